import type { ModelPriceEntity } from '@conduit/db';
import type { TokenUsage } from '@conduit/providers';
import type { DataSource } from 'typeorm';
import { costOf, PriceTable, toModelPrice, type ModelPrice } from './price-table';

const usage = (parts: Partial<TokenUsage>): TokenUsage => ({
  inputTokens: 0,
  outputTokens: 0,
  cachedTokens: 0,
  cacheWriteTokens: 0,
  cacheWrite1hTokens: 0,
  reasoningTokens: 0,
  ...parts,
});

type Rates = Partial<
  Pick<
    ModelPriceEntity,
    'cachedInputPerMillion' | 'cacheWritePerMillion' | 'cacheWrite1hPerMillion' | 'reasoningPerMillion' | 'connectionId'
  >
>;

function row(kind: string, model: string, input: string, output: string, rates: Rates = {}) {
  return {
    providerKind: kind,
    model,
    connectionId: null,
    inputPerMillion: input,
    outputPerMillion: output,
    cachedInputPerMillion: null,
    cacheWritePerMillion: null,
    cacheWrite1hPerMillion: null,
    reasoningPerMillion: null,
    ...rates,
  } as ModelPriceEntity;
}

function tableOf(rows: ModelPriceEntity[]) {
  const find = jest.fn().mockResolvedValue(rows);
  const dataSource = { getRepository: () => ({ find }) } as unknown as DataSource;
  return { table: new PriceTable(dataSource), find };
}

const PRICE: ModelPrice = { input: 3, cachedInput: 0.3, cacheWrite: 3.75, cacheWrite1h: 6, output: 15, reasoning: 20 };

describe('costOf', () => {
  it('prices each token class at its own rate: fresh input, cache reads, 5-minute and 1-hour cache writes, output, reasoning', () => {
    // 2,000 input = 400 fresh + 500 cache reads + 1,100 cache writes (800 of them for an hour);
    // 300 output = 200 answer + 100 reasoning.
    const call = usage({
      inputTokens: 2000,
      cachedTokens: 500,
      cacheWriteTokens: 1100,
      cacheWrite1hTokens: 800,
      outputTokens: 300,
      reasoningTokens: 100,
    });
    expect(costOf(PRICE, call)).toBeCloseTo(
      (400 * 3 + 500 * 0.3 + 300 * 3.75 + 800 * 6 + 200 * 15 + 100 * 20) / 1e6,
      10,
    );
  });

  it('never charges a token twice, whatever breakdowns a provider reports beyond the totals', () => {
    // Breakdowns larger than what they break down are cut to it; negative counts are 0.
    const call = usage({
      inputTokens: 100,
      cachedTokens: 60,
      cacheWriteTokens: 70,
      cacheWrite1hTokens: 90,
      outputTokens: 10,
      reasoningTokens: 50,
    });
    expect(costOf(PRICE, call)).toBeCloseTo((60 * 0.3 + 40 * 6 + 10 * 20) / 1e6, 10);
    expect(costOf(PRICE, usage({ inputTokens: 10, cachedTokens: -5, cacheWriteTokens: -5 }))).toBeCloseTo(30 / 1e6, 10);
  });
});

describe('toModelPrice', () => {
  it('takes every rate the row sets', () => {
    const price = toModelPrice(
      row('openai', 'gpt-x', '2', '8', {
        cachedInputPerMillion: '0.5',
        cacheWritePerMillion: '2.5',
        cacheWrite1hPerMillion: '4',
        reasoningPerMillion: '9',
      }),
    );
    expect(price).toEqual({ input: 2, cachedInput: 0.5, cacheWrite: 2.5, cacheWrite1h: 4, output: 8, reasoning: 9 });
  });

  it('derives what a row leaves unset: cache reads and writes at the input rate, reasoning at the output rate', () => {
    for (const kind of ['openai', 'gemini', 'openai_compatible']) {
      expect(toModelPrice(row(kind, 'some-model', '2', '8'))).toEqual({
        input: 2,
        cachedInput: 2,
        cacheWrite: 2,
        cacheWrite1h: 2,
        output: 8,
        reasoning: 8,
      });
    }
    // A 1-hour rate left unset follows a 5-minute rate that is set.
    expect(toModelPrice(row('bedrock', 'amazon.nova-pro', '0.8', '3.2', { cacheWritePerMillion: '1' }))).toMatchObject({
      cacheWrite: 1,
      cacheWrite1h: 1,
    });
  });

  it("derives Claude's cache writes as Anthropic bills them: 1.25× input for 5 minutes, 2× for an hour, on any kind", () => {
    const anthropic = { input: 3, cachedInput: 0.3, cacheWrite: 3.75, cacheWrite1h: 6, output: 15, reasoning: 15 };
    expect(toModelPrice(row('anthropic', 'claude-sonnet-4', '3', '15', { cachedInputPerMillion: '0.3' }))).toEqual(
      anthropic,
    );
    expect(toModelPrice(row('anthropic', 'my-proxy-alias', '3', '15', { cachedInputPerMillion: '0.3' }))).toEqual(
      anthropic,
    );
    for (const [kind, model] of [
      ['bedrock', 'us.anthropic.claude-sonnet-4-20250514-v1:0'],
      ['openrouter', 'anthropic/claude-sonnet-4'],
    ]) {
      expect(toModelPrice(row(kind, model, '3', '15'))).toMatchObject({ cacheWrite: 3.75, cacheWrite1h: 6 });
    }
    // A rate that is set wins over the derived one.
    expect(
      toModelPrice(
        row('anthropic', 'claude-x', '3', '15', { cacheWritePerMillion: '3.5', cacheWrite1hPerMillion: '5' }),
      ),
    ).toMatchObject({ cacheWrite: 3.5, cacheWrite1h: 5 });
  });
});

describe('PriceTable', () => {
  it("prefers the connection's override, then the kind's default, then a dated name's default, else null", async () => {
    const { table } = tableOf([
      row('openai', 'gpt-4o', '2.5', '10'),
      row('openai', 'gpt-4o-mini', '0.15', '0.6'),
      row('openai', 'gpt-4o', '1', '2', { connectionId: 'conn-1' }),
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
    expect(
      await table.costOf(
        { connectionId: 'x', providerKind: 'mock', model: 'unknown' },
        usage({ inputTokens: 10, outputTokens: 10 }),
      ),
    ).toBe(0);
  });

  it('prices cache writes of a dated Claude model at its base name’s cache-write rate', async () => {
    const { table } = tableOf([
      row('anthropic', 'claude-sonnet-4', '3', '15', {
        cachedInputPerMillion: '0.3',
        cacheWritePerMillion: '3.75',
        cacheWrite1hPerMillion: '6',
      }),
    ]);
    const call = { connectionId: 'c', providerKind: 'anthropic', model: 'claude-sonnet-4-20250514' };
    expect(
      await table.costOf(call, usage({ inputTokens: 1000, cacheWriteTokens: 1000, cacheWrite1hTokens: 400 })),
    ).toBeCloseTo((600 * 3.75 + 400 * 6) / 1e6, 10);
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
