import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `items.dispatched_at`: when the feeder handed the item to BullMQ (NULL = not in Redis yet).
 * Two partial indexes keep the feeder's and the reconciler's questions cheap at any backlog size.
 */
export class ItemDispatch1764000000000 implements MigrationInterface {
  name = 'ItemDispatch1764000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE items ADD COLUMN dispatched_at timestamptz`);
    // Before this column, every open item was queued in BullMQ at submission. Mark them so; the
    // reconciler re-dispatches any that are in fact missing from Redis.
    await db.query(`UPDATE items SET dispatched_at = created_at WHERE status IN ('queued', 'running')`);
    // "The next undispatched items of a tenant, in submission order" and "which tenants have any".
    await db.query(
      `CREATE INDEX items_feed_idx ON items (tenant_id, created_at, batch_id, position)
         WHERE status = 'queued' AND dispatched_at IS NULL`,
    );
    // "How many of a tenant's items are in BullMQ now", and the reconciler's walk over them.
    await db.query(
      `CREATE INDEX items_in_flight_idx ON items (tenant_id, id)
         WHERE dispatched_at IS NOT NULL AND status IN ('queued', 'running')`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IF EXISTS items_in_flight_idx`);
    await db.query(`DROP INDEX IF EXISTS items_feed_idx`);
    await db.query(`ALTER TABLE items DROP COLUMN IF EXISTS dispatched_at`);
  }
}
