import { createHash } from 'node:crypto';
import { ConduitError } from '@conduit/common';
import { checkLines, MAX_ITEMS_PER_LINES_BATCH, validateItems, type ValidItem } from './batch-input';

const summary = (customId: string, text = 'Some text to summarise.') => ({
  custom_id: customId,
  task: 'summarization',
  input: { text },
});

function detailsOf(items: unknown[]): { path: string; code?: string }[] {
  try {
    validateItems(items);
  } catch (error) {
    if (error instanceof ConduitError) return error.details ?? [];
    throw error;
  }
  throw new Error('expected a validation error');
}

describe('validateItems', () => {
  it('accepts valid items of every task kind, in order', () => {
    const items = validateItems([
      summary('a'),
      { custom_id: 'b', task: 'classification', input: { text: 'hi', labels: ['x', 'y'] } },
      { custom_id: 'c', task: 'extraction', input: { text: 'hi', schema: { type: 'object', properties: {} } } },
    ]);
    expect(items.map((i) => i.customId)).toEqual(['a', 'b', 'c']);
  });

  it('names every bad item, not just the first', () => {
    const details = detailsOf([
      summary('ok'),
      { custom_id: 'no-text', task: 'summarization', input: {} },
      { custom_id: 'bad-task', task: 'translation', input: { text: 'x' } },
      summary('ok'),
      { task: 'summarization', input: { text: 'x' } },
    ]);
    expect(details.map((d) => d.path)).toEqual([
      'items[1].input.text',
      'items[2].task',
      'items[3].custom_id',
      'items[4].custom_id',
    ]);
    expect(details.find((d) => d.path === 'items[2].task')?.code).toBe('unsupported_task');
    expect(details.find((d) => d.path === 'items[3].custom_id')?.code).toBe('duplicate');
  });
});

describe('checkLines', () => {
  async function* linesOf(lines: readonly string[]): AsyncGenerator<string> {
    yield* lines;
  }

  /** What `checkLines` yielded before it finished, and the error it finished with, if any. */
  async function run(lines: readonly string[]) {
    const hash = createHash('sha256');
    const items: ValidItem[] = [];
    try {
      for await (const item of checkLines(linesOf(lines), hash)) items.push(item);
    } catch (error) {
      if (!(error instanceof ConduitError)) throw error;
      return { items, details: (error.details ?? []).map((d) => d.path), hash: hash.digest('hex') };
    }
    return { items, details: [], hash: hash.digest('hex') };
  }

  const line = (customId: string, text = 'Some text.') => JSON.stringify(summary(customId, text));

  it('yields the valid items in order, skips blank lines, and hashes every line', async () => {
    const lines = [line('a'), '', line('b', 'tab\there, "quotes", \\N'), '  ', line('c')];
    const { items, details, hash } = await run(lines);
    expect(details).toEqual([]);
    expect(items.map((i) => i.customId)).toEqual(['a', 'b', 'c']);
    expect(items[1].input).toEqual({ text: 'tab\there, "quotes", \\N' });
    expect(hash).toBe(
      createHash('sha256')
        .update(lines.map((l) => `${l}\n`).join(''))
        .digest('hex'),
    );
  });

  it('names every bad line, and yields nothing after the first one', async () => {
    const { items, details } = await run([
      line('a'),
      '{"custom_id": ',
      line('b'),
      JSON.stringify({ custom_id: 'c', task: 'translation', input: { text: 'x' } }),
      line('a'),
      '[]',
    ]);
    expect(items.map((i) => i.customId)).toEqual(['a']);
    expect(details).toEqual(['line 2', 'line 4.task', 'line 5.custom_id', 'line 6']);
  });

  it('reports the first 100 problems only', async () => {
    const { details } = await run(Array.from({ length: 150 }, () => 'not json'));
    expect(details).toHaveLength(100);
    expect(details[99]).toBe('line 100');
  });

  it(`refuses more than ${MAX_ITEMS_PER_LINES_BATCH} items`, async () => {
    const lines = Array.from({ length: MAX_ITEMS_PER_LINES_BATCH + 1 }, (_, i) => line(`doc-${i}`));
    const { items, details } = await run(lines);
    expect(items).toHaveLength(MAX_ITEMS_PER_LINES_BATCH);
    expect(details).toEqual([`line ${MAX_ITEMS_PER_LINES_BATCH + 1}`]);
  });
});
