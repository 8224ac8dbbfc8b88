import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * List prices of the cache writes the seeded models bill above the input rate, USD per million
 * tokens: Anthropic charges 1.25× input for a 5-minute cache write and 2× for a 1-hour one. The
 * other seeded models leave them null: OpenAI and Gemini do not bill cache writes separately (the
 * input rate applies), and all three bill reasoning at the output rate (null).
 */
const CACHE_WRITE_PRICES: [kind: string, model: string, fiveMinutes: number, oneHour: number][] = [
  ['anthropic', 'claude-sonnet-4', 3.75, 6],
  ['anthropic', 'claude-3-5-haiku', 1, 1.6],
];

/**
 * A rate per token class a provider bills separately: cache writes (5-minute and 1-hour) and
 * reasoning join input, cache reads and output in `model_prices` (null = derived from the others),
 * and attempts record which cache writes were for an hour.
 */
export class TokenClassPrices1764600000000 implements MigrationInterface {
  name = 'TokenClassPrices1764600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE model_prices
        ADD COLUMN cache_write_per_million numeric(18, 6) CHECK (cache_write_per_million >= 0),
        ADD COLUMN cache_write_1h_per_million numeric(18, 6) CHECK (cache_write_1h_per_million >= 0),
        ADD COLUMN reasoning_per_million numeric(18, 6) CHECK (reasoning_per_million >= 0)`);
    for (const [kind, model, fiveMinutes, oneHour] of CACHE_WRITE_PRICES) {
      await db.query(
        `UPDATE model_prices SET cache_write_per_million = $3, cache_write_1h_per_million = $4, updated_at = now()
          WHERE provider_kind = $1 AND model = $2 AND connection_id IS NULL`,
        [kind, model, fiveMinutes, oneHour],
      );
    }
    // A constant default: no table rewrite, however many attempts there are.
    await db.query(`ALTER TABLE attempts ADD COLUMN cache_write_1h_tokens int NOT NULL DEFAULT 0`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE attempts DROP COLUMN cache_write_1h_tokens`);
    await db.query(`
      ALTER TABLE model_prices
        DROP COLUMN cache_write_per_million,
        DROP COLUMN cache_write_1h_per_million,
        DROP COLUMN reasoning_per_million`);
  }
}
