import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../../libs/db/src/data-source-options';

/** The run's database (migrated by the global setup), for a medium test; destroy it in `afterAll`. */
export function testDataSource(): Promise<DataSource> {
  return new DataSource(dataSourceOptions(process.env.DATABASE_URL as string, 4)).initialize();
}

export interface SeededBatch {
  tenantId: string;
  batchId: string;
  itemIds: string[];
}

/**
 * A tenant with one in-progress batch of `items` queued items (positions 0…n-1), written directly:
 * the rows a repository's statements work on, without the API that would normally make them.
 */
export async function seedBatch(db: DataSource, items: number, dispatchedBelow = items): Promise<SeededBatch> {
  const tenantId = randomUUID();
  const keyId = randomUUID();
  const batchId = randomUUID();
  await db.query(`INSERT INTO tenants (id, name, plan, status) VALUES ($1, $2, 'pro', 'active')`, [tenantId, tenantId]);
  await db.query(
    `INSERT INTO api_keys (id, tenant_id, name, role, prefix, key_hash) VALUES ($1, $2, 'k', 'owner', 'p', $3)`,
    [keyId, tenantId, `hash-${keyId}`],
  );
  await db.query(
    `INSERT INTO batches (id, tenant_id, api_key_id, status, item_count, dispatched_below) VALUES ($1, $2, $3, 'in_progress', $4, $5)`,
    [batchId, tenantId, keyId, items, dispatchedBelow],
  );
  const rows: { id: string }[] = await db.query(
    `INSERT INTO items (tenant_id, batch_id, position, custom_id, task, input, status)
     SELECT $1, $2, n, 'doc-' || n, 'summarization', jsonb_build_object('text', 'Doc ' || n), 'queued'
       FROM generate_series(0, $3 - 1) AS n
     RETURNING id`,
    [tenantId, batchId, items],
  );
  return { tenantId, batchId, itemIds: rows.map((row) => row.id).sort() };
}

/** Columns of items, by id, for asserting what a statement changed (and what it did not). */
export async function itemRows(db: DataSource, ids: string[]): Promise<Record<string, unknown>[]> {
  return db.query(
    `SELECT id, status, lease_owner, lease_until IS NOT NULL AS leased, runs, interrupted_runs, error, result
       FROM items WHERE id = ANY($1) ORDER BY id`,
    [ids],
  );
}
