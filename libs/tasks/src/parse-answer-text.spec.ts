import { parseAnswerText } from './parse-answer-text';

describe('parseAnswerText', () => {
  it('parses plain JSON, surrounding whitespace included', () => {
    expect(parseAnswerText('  {"summary": "ok"}\n')).toEqual({ summary: 'ok' });
    expect(parseAnswerText('[1, 2]')).toEqual([1, 2]);
  });

  it('reads a ```json fenced block, with or without the language tag', () => {
    expect(parseAnswerText('Here you go:\n```json\n{"labels": ["a"]}\n```\nThanks')).toEqual({ labels: ['a'] });
    expect(parseAnswerText('```\n{"a": 1}\n```')).toEqual({ a: 1 });
    expect(parseAnswerText('```JSON {"a": 1}```')).toEqual({ a: 1 });
  });

  it('finds one object inside prose, ignoring braces in prose and in strings', () => {
    expect(parseAnswerText('Sure! {"data": {"name": "Ann"}} Hope this helps.')).toEqual({ data: { name: 'Ann' } });
    expect(parseAnswerText('Note {this} first. {"summary": "a } b \\" {"}')).toEqual({ summary: 'a } b " {' });
    expect(parseAnswerText('An open { brace, then {"a": 1}')).toEqual({ a: 1 });
  });

  it('returns undefined when nothing parses, and never throws', () => {
    expect(parseAnswerText('')).toBeUndefined();
    expect(parseAnswerText('no json here')).toBeUndefined();
    expect(parseAnswerText('{"truncated": "answ')).toBeUndefined();
    expect(parseAnswerText('```json\n{oops}\n```')).toBeUndefined();
    expect(parseAnswerText(undefined as unknown as string)).toBeUndefined();
    expect(parseAnswerText('['.repeat(100_000))).toBeUndefined();
  });
});
