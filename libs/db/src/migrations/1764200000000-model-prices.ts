import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Default list prices, USD per million tokens: input, output, cached input (null = input rate).
 * Prices change and differ by contract: these are defaults only, for an estimate out of the
 * box. Tenants set their own per connection (`PUT /v1/connections/:id/prices/:model`).
 */
const DEFAULT_PRICES: [kind: string, model: string, input: number, output: number, cached: number | null][] = [
  ['openai', 'gpt-4o', 2.5, 10, 1.25],
  ['openai', 'gpt-4o-mini', 0.15, 0.6, 0.075],
  ['openai', 'gpt-4.1', 2, 8, 0.5],
  ['openai', 'gpt-4.1-mini', 0.4, 1.6, 0.1],
  ['openai', 'gpt-4.1-nano', 0.1, 0.4, 0.025],
  ['anthropic', 'claude-sonnet-4', 3, 15, 0.3],
  ['anthropic', 'claude-3-5-haiku', 0.8, 4, 0.08],
  ['gemini', 'gemini-2.5-flash', 0.3, 2.5, 0.075],
  ['gemini', 'gemini-2.5-pro', 1.25, 10, 0.31],
  ['mock', 'mock-1', 0, 0, 0],
];

/**
 * `model_prices`: the price table `attempts.cost` is computed from. A default has no connection;
 * an override belongs to one connection (and its tenant) and wins over the default.
 */
export class ModelPrices1764200000000 implements MigrationInterface {
  name = 'ModelPrices1764200000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE model_prices (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid REFERENCES tenants(id) ON DELETE CASCADE,
        provider_kind text NOT NULL,
        model text NOT NULL,
        connection_id uuid REFERENCES provider_connections(id) ON DELETE CASCADE,
        input_per_million numeric(18, 6) NOT NULL CHECK (input_per_million >= 0),
        output_per_million numeric(18, 6) NOT NULL CHECK (output_per_million >= 0),
        cached_input_per_million numeric(18, 6) CHECK (cached_input_per_million >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Unique per (kind, model, connection); NULL connections (defaults) get their own index.
    await db.query(
      `CREATE UNIQUE INDEX model_prices_default_idx ON model_prices (provider_kind, model)
         WHERE connection_id IS NULL`,
    );
    await db.query(
      `CREATE UNIQUE INDEX model_prices_override_idx ON model_prices (provider_kind, model, connection_id)
         WHERE connection_id IS NOT NULL`,
    );
    for (const [kind, model, input, output, cached] of DEFAULT_PRICES) {
      await db.query(
        `INSERT INTO model_prices (provider_kind, model, input_per_million, output_per_million, cached_input_per_million)
         VALUES ($1, $2, $3, $4, $5)`,
        [kind, model, input, output, cached],
      );
    }
    // The usage report's range scans: already served by attempts_tenant_created_idx.
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS model_prices`);
  }
}
