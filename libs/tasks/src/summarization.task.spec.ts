import { countWords, summarizationTask } from './summarization.task';

const input = { text: 'A long story about a cat and a dog.', max_words: 5 };

function issues(value: unknown) {
  const parsed = summarizationTask.inputSchema.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('summarization input', () => {
  it('accepts text with optional max_words, style and language', () => {
    expect(issues({ text: 'a' })).toEqual([]);
    expect(issues({ ...input, style: 'bullets', language: 'French' })).toEqual([]);
  });

  it('rejects bad values with messages naming the rule', () => {
    expect(issues({ max_words: 5 })).toEqual(['text: is required']);
    expect(issues({ text: '' })).toEqual(['text: must not be empty']);
    expect(issues({ text: 'a', max_words: 0 })).toEqual(['max_words: must be at least 1']);
    expect(issues({ text: 'a', max_words: 2001 })).toEqual(['max_words: must be at most 2000']);
    expect(issues({ text: 'a', max_words: 2.5 })).toEqual(['max_words: must be a whole number']);
    expect(issues({ text: 'a', max_words: '60' })).toEqual(['max_words: must be a whole number']);
    expect(issues({ text: 'a', style: 'haiku' })).toEqual(['style: must be "paragraph" or "bullets"']);
    expect(issues({ text: 'a', language: '' })).toEqual(['language: must not be empty']);
    expect(issues({ text: 'a', tone: 'formal' })).toEqual([': has unknown field "tone"']);
  });
});

describe('summarization prompt', () => {
  it('carries the text, the word limit, the style and the language', () => {
    const prompt = summarizationTask.buildPrompt({ ...input, style: 'bullets', language: 'French' });
    const user = prompt.messages[1].content;
    expect(prompt.messages[0]).toEqual({ role: 'system', content: expect.stringContaining('single JSON document') });
    expect(user).toContain(input.text);
    expect(user).toContain('at most 5 words');
    expect(user).toContain('bullet points');
    expect(user).toContain('French');
    expect(prompt.responseSchema).toEqual({
      name: 'summarization_result',
      schema: {
        type: 'object',
        properties: { summary: { type: 'string', minLength: 1 } },
        required: ['summary'],
        additionalProperties: false,
      },
    });
    expect(prompt.maxOutputTokens).toBe(110);
    expect(summarizationTask.buildPrompt({ text: 'a' }).maxOutputTokens).toBe(1024);
  });
});

describe('summarization result check', () => {
  it('accepts a summary within max_words, not counting bullet dashes', () => {
    expect(summarizationTask.checkResult(input, { summary: 'A cat and a dog.' })).toEqual({
      ok: true,
      result: { summary: 'A cat and a dog.' },
    });
    expect(summarizationTask.checkResult(input, { summary: '- A cat\n- a dog\n- meet' }).ok).toBe(true);
    expect(summarizationTask.checkResult({ text: 'a' }, { summary: 'word '.repeat(5000) }).ok).toBe(true);
  });

  it.each([
    ['not an object', 'A cat.', 'answer is not a JSON object'],
    ['missing summary', {}, 'answer is missing "summary"'],
    ['an unexpected field', { summary: 'A cat.', title: 'x' }, 'answer has unexpected field "title"'],
    ['a summary that is not text', { summary: ['A cat.'] }, 'answer.summary is not a string'],
    ['an empty summary', { summary: ' \n ' }, 'answer.summary is empty'],
    [
      'too many words',
      { summary: 'one two three four five six' },
      'answer.summary has 6 words, more than max_words (5)',
    ],
  ])('rejects %s', (_case, answer, reason) => {
    expect(summarizationTask.checkResult(input, answer)).toEqual({ ok: false, reason });
  });

  it('counts words as a reader would', () => {
    expect(countWords('  Hello,   world — again!\n- bullet ')).toBe(4);
    expect(countWords('')).toBe(0);
  });
});
