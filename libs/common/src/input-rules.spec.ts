import { ConduitError } from './conduit-error';
import { assertAcceptableInput, findInputProblem, inputProblemDetail, MAX_JSON_DEPTH } from './input-rules';

/** `depth` arrays nested in one another (the outermost is level 1). */
const nestedArrays = (depth: number) => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`) as unknown;

describe('the input rule', () => {
  it('accepts ordinary text, paired surrogates (emoji) and other control characters', () => {
    expect(
      findInputProblem({ name: 'Grüße 🚀', list: ['tab\t', '\u0001', 1, null, true], nested: { 東京: 'ok' } }),
    ).toBe(undefined);
  });

  it.each([
    ['U+0000', 'a\u0000b', /NUL character/],
    ['a lone high surrogate', 'a\ud800b', /unpaired surrogate/],
    ['a high surrogate at the end', 'ab\ud83d', /unpaired surrogate/],
    ['a lone low surrogate', '\udc00ab', /unpaired surrogate/],
    ['two low surrogates', '\ude80\ude80', /unpaired surrogate/],
  ])('refuses %s, naming the field', (_, text, message) => {
    expect(findInputProblem({ items: [{ input: { text } }] })).toEqual({
      path: ['items', 0, 'input', 'text'],
      code: 'invalid_text',
      message: expect.stringMatching(message),
    });
    expect(findInputProblem(text)).toMatchObject({ path: [], code: 'invalid_text' });
  });

  it('refuses such a character in a key, naming the object', () => {
    expect(findInputProblem({ metadata: { 'k\u0000': 1 } })).toEqual({
      path: ['metadata'],
      code: 'invalid_text',
      message: expect.stringMatching(/^has a key that must not contain the NUL character/),
    });
  });

  it(`allows ${MAX_JSON_DEPTH} levels of nesting and refuses one more, naming where`, () => {
    expect(findInputProblem(nestedArrays(MAX_JSON_DEPTH))).toBe(undefined);
    const problem = findInputProblem(nestedArrays(MAX_JSON_DEPTH + 1));
    expect(problem).toEqual({
      path: Array.from({ length: MAX_JSON_DEPTH }, () => 0),
      code: 'too_deep',
      message: expect.stringContaining(`${MAX_JSON_DEPTH} levels`),
    });
  });

  it('checks 100,000 levels without overflowing the stack', () => {
    expect(findInputProblem({ input: nestedArrays(100_000) })).toMatchObject({ code: 'too_deep' });
  });

  it('names the field under a prefix, and throws validation_failed', () => {
    expect(inputProblemDetail({ input: { text: '\u0000' } }, ['line 7'])).toEqual({
      path: 'line 7.input.text',
      code: 'invalid_text',
      message: expect.any(String),
    });
    expect(() => assertAcceptableInput({ name: '\ud800' })).toThrow(ConduitError);
    expect(() => assertAcceptableInput({ name: 'fine' })).not.toThrow();
  });
});
