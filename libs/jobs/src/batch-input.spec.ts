import { ConduitError } from '@conduit/common';
import { validateItems } from './batch-input';

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
