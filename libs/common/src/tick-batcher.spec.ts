import { firstOccurrences, perGroup, tickBatcher } from './tick-batcher';

describe('tickBatcher', () => {
  it('answers calls made in the same turn with one batch, each with its own value', async () => {
    const batches: string[][] = [];
    const loader = tickBatcher<string, string>(async (keys) => {
      batches.push([...keys]);
      return keys.map((key) => key.toUpperCase());
    });
    await expect(Promise.all(['a', 'b', 'a'].map((key) => loader.load(key)))).resolves.toEqual(['A', 'B', 'A']);
    expect(batches).toEqual([['a', 'b', 'a']]); // duplicates kept: nothing is cached or merged
    await expect(loader.load('c')).resolves.toBe('C');
    expect(batches).toHaveLength(2); // a later call reads fresh
  });
});

describe('perGroup', () => {
  it('runs once per group and fails only the keys of a group that throws', async () => {
    const calls: string[] = [];
    const batch = perGroup<{ tenant: string; n: number }, number>(
      (key) => key.tenant,
      async (tenant, keys) => {
        calls.push(tenant);
        if (tenant === 'bad') throw new Error('bad tenant');
        return keys.map((key) => key.n * 10);
      },
    );
    const results = await batch([
      { tenant: 't1', n: 1 },
      { tenant: 'bad', n: 2 },
      { tenant: 't1', n: 3 },
      { tenant: 't2', n: 4 },
    ]);
    expect(calls.sort()).toEqual(['bad', 't1', 't2']);
    expect(results.slice(0, 1)).toEqual([10]);
    expect(results[1]).toEqual(new Error('bad tenant'));
    expect(results.slice(2)).toEqual([30, 40]);
  });
});

describe('firstOccurrences', () => {
  it('marks only the first key with each id', () => {
    const keys = [{ id: 'a' }, { id: 'b' }, { id: 'a' }, { id: 'c' }, { id: 'b' }];
    expect(firstOccurrences(keys, (key) => key.id)).toEqual([true, true, false, true, false]);
  });
});
