import type { ModelPriceEntity } from '@conduit/db';
import type { DataSource } from 'typeorm';
import { costOf, PriceTable } from './price-table';

const usage = (input: number, output: number, cached = 0) => ({
  inputTokens: input,
  outputTokens: output,
  cachedTokens: cached,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
});

function row(kind: string, model: string, input: string, output: string, connectionId: string | null = null) {
  return {
    providerKind: kind,
    model,
    connectionId,
    inputPerMillion: input,
    outputPerMillion: output,
    cachedInputPerMillion: kind === 'openai' ? '1.25' : null,
  } as ModelPriceEntity;
}

function tableOf(rows: ModelPriceEntity[]) {
  const find = jest.fn().mockResolvedValue(rows);
  const dataSource = { getRepository: () => ({ find }) } as unknown as DataSource;
  return { table: new PriceTable(dataSource), find };
}

describe('costOf', () => {
  it('charges cache reads at the cached rate, the rest of the input at the input rate, output at the output rate', () => {
    // 1,000 input of which 400 cached, 500 output; $2.5 / $1.25 / $10 per million.
    expect(costOf({ input: 2.5, output: 10, cachedInput: 1.25 }, usage(1000, 500, 400))).toBeCloseTo(
      (600 * 2.5 + 400 * 1.25 + 500 * 10) / 1e6,
      10,
    );
  });

  it('charges cache reads at the input rate when no cached rate is set', () => {
    expect(costOf({ input: 3, output: 15, cachedInput: null }, usage(1000, 0, 1000))).toBeCloseTo(0.003, 10);
  });
});

describe('PriceTable', () => {
  it("prefers the connection's override, then the kind's default, then a dated name's default, else null", async () => {
    const { table } = tableOf([
      row('openai', 'gpt-4o', '2.5', '10'),
      row('openai', 'gpt-4o-mini', '0.15', '0.6'),
      row('openai', 'gpt-4o', '1', '2', 'conn-1'),
    ]);
    expect((await table.priceFor({ connectionId: 'conn-1', providerKind: 'openai', model: 'gpt-4o' }))?.input).toBe(1);
    expect((await table.priceFor({ connectionId: 'conn-2', providerKind: 'openai', model: 'gpt-4o' }))?.input).toBe(
      2.5,
    );
    expect(
      (await table.priceFor({ connectionId: 'conn-2', providerKind: 'openai', model: 'gpt-4o-mini-2024-07-18' }))
        ?.input,
    ).toBe(0.15);
    expect(await table.priceFor({ connectionId: 'conn-2', providerKind: 'anthropic', model: 'gpt-4o' })).toBeNull();
    expect(await table.costOf({ connectionId: 'x', providerKind: 'mock', model: 'unknown' }, usage(10, 10))).toBe(0);
  });

  it('reads the table once within the cache period', async () => {
    const { table, find } = tableOf([row('openai', 'gpt-4o', '2.5', '10')]);
    await Promise.all(
      [1, 2, 3].map(() => table.priceFor({ connectionId: 'c', providerKind: 'openai', model: 'gpt-4o' })),
    );
    await table.priceFor({ connectionId: 'c', providerKind: 'openai', model: 'gpt-4o' });
    expect(find).toHaveBeenCalledTimes(1);
    table.invalidate();
    await table.priceFor({ connectionId: 'c', providerKind: 'openai', model: 'gpt-4o' });
    expect(find).toHaveBeenCalledTimes(2);
  });
});
