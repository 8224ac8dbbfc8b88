import { classificationTask } from './classification.task';

const labels = ['billing', 'bug', { name: 'praise', description: 'the customer is happy' }];
const single = { text: 'I was charged twice', labels };
const multi = { ...single, multi_label: true };

function issues(value: unknown) {
  const parsed = classificationTask.inputSchema.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('classification input', () => {
  it('accepts label names, label objects and multi_label', () => {
    expect(issues(single)).toEqual([]);
    expect(issues({ ...multi, labels: [{ name: 'a' }, { name: 'b' }] })).toEqual([]);
  });

  it('needs 1 to 200 unique, non-empty labels', () => {
    expect(issues({ text: 'a' })).toEqual(['labels: is required']);
    expect(issues({ text: 'a', labels: 'billing' })).toEqual(['labels: must be an array of labels']);
    expect(issues({ text: 'a', labels: [] })).toEqual(['labels: must hold at least one label']);
    const many = Array.from({ length: 201 }, (_, i) => `l${i}`);
    expect(issues({ text: 'a', labels: many })).toEqual(['labels: must hold at most 200 labels']);
    expect(issues({ text: 'a', labels: ['a', ' '] })).toEqual(['labels.1: must not be empty']);
    expect(issues({ text: 'a', labels: ['a', { name: 'a' }] })).toEqual(['labels.1: repeats the label "a"']);
    expect(issues({ text: 'a', labels: [7] })).toEqual([
      'labels.0: must be a label name or an object {name, description?}',
    ]);
    expect(issues({ text: 'a', labels: [{ name: 'a', color: 'red' }] })).toEqual([
      'labels.0: has unknown field "color"',
    ]);
  });

  it('checks text and multi_label', () => {
    expect(issues({ labels })).toEqual(['text: is required']);
    expect(issues({ ...single, multi_label: 'yes' })).toEqual(['multi_label: must be true or false']);
  });
});

describe('classification prompt', () => {
  it('lists the labels with descriptions and constrains the answer to them', () => {
    const prompt = classificationTask.buildPrompt(multi);
    const user = prompt.messages[1].content;
    expect(prompt.messages[0].content).toContain('single JSON document');
    expect(user).toContain(single.text);
    expect(user).toContain('- bug');
    expect(user).toContain('- praise: the customer is happy');
    expect(prompt.responseSchema.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(prompt.responseSchema.schema).toMatchObject({
      additionalProperties: false,
      required: ['labels'],
      properties: { labels: { items: { enum: ['billing', 'bug', 'praise'] }, maxItems: 3 } },
    });
    expect(classificationTask.buildPrompt(single).responseSchema.schema).toMatchObject({
      properties: { labels: { maxItems: 1 } },
    });
    expect(prompt.maxOutputTokens).toBeGreaterThanOrEqual(256);
  });
});

describe('classification result check', () => {
  it('accepts one given label, or several with multi_label, with scores', () => {
    expect(classificationTask.checkResult(single, { labels: ['billing'] })).toEqual({
      ok: true,
      result: { labels: ['billing'] },
    });
    const answer = { labels: ['billing', 'praise'], scores: { billing: 0.9, praise: 0.6, bug: 0 } };
    expect(classificationTask.checkResult(multi, answer)).toEqual({ ok: true, result: answer });
  });

  it.each([
    ['not an object', ['billing'], 'answer is not a JSON object'],
    ['missing labels', { scores: {} }, 'answer is missing "labels"'],
    ['an unexpected field', { labels: ['bug'], why: 'x' }, 'answer has unexpected field "why"'],
    ['labels not an array', { labels: 'bug' }, 'answer.labels is not an array'],
    ['no label', { labels: [] }, 'answer.labels is empty'],
    ['an unknown label', { labels: ['refund'] }, 'answer.labels[0] is not one of the given labels'],
    ['a label in the wrong case', { labels: ['Bug'] }, 'answer.labels[0] is not one of the given labels'],
    [
      'two labels',
      { labels: ['bug', 'billing'] },
      'answer.labels holds 2 labels, but exactly one is allowed without multi_label',
    ],
  ])('rejects %s (single label)', (_case, answer, reason) => {
    expect(classificationTask.checkResult(single, answer)).toEqual({ ok: false, reason });
  });

  it.each([
    ['a repeated label', { labels: ['bug', 'bug'] }, 'answer.labels[1] repeats a label'],
    ['a non-string label', { labels: [1] }, 'answer.labels[0] is not one of the given labels'],
    ['scores not an object', { labels: ['bug'], scores: [0.5] }, 'answer.scores is not a JSON object'],
    [
      'a score for an unknown label',
      { labels: ['bug'], scores: { x: 0.5 } },
      'answer.scores has a key that is not one of the given labels',
    ],
    [
      'a score above 1',
      { labels: ['bug'], scores: { bug: 1.2 } },
      'answer.scores["bug"] is not a number between 0 and 1',
    ],
    [
      'a score as text',
      { labels: ['bug'], scores: { bug: '0.5' } },
      'answer.scores["bug"] is not a number between 0 and 1',
    ],
  ])('rejects %s (multi label)', (_case, answer, reason) => {
    expect(classificationTask.checkResult(multi, answer)).toEqual({ ok: false, reason });
  });
});
