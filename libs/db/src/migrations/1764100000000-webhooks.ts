import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-tenant webhook secrets (sealed) and one delivery row per closed batch with a webhook URL. */
export class Webhooks1764100000000 implements MigrationInterface {
  name = 'Webhooks1764100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `CREATE TABLE webhook_secrets (
         tenant_id uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
         sealed_secret text NOT NULL,
         key_id text NOT NULL,
         created_at timestamptz NOT NULL DEFAULT now(),
         rotated_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    await db.query(
      `CREATE TABLE webhook_deliveries (
         id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
         tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
         batch_id uuid NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
         event text NOT NULL,
         url text NOT NULL,
         status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
         attempts int NOT NULL DEFAULT 0,
         last_status_code int,
         last_error text,
         next_attempt_at timestamptz,
         delivered_at timestamptz,
         created_at timestamptz NOT NULL DEFAULT now(),
         updated_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    // A batch closes once, so it has at most one delivery.
    await db.query(`CREATE UNIQUE INDEX webhook_deliveries_batch_idx ON webhook_deliveries (tenant_id, batch_id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS webhook_deliveries`);
    await db.query(`DROP TABLE IF EXISTS webhook_secrets`);
  }
}
