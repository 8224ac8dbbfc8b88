import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which items are in BullMQ is kept per batch, not per item: the feeder hands a batch's items over
 * in position order, so `batches.dispatched_below` (items at positions below it have been handed
 * over) says it in one number. Dispatching 1,000 items then writes one batch row, not 1,000 item
 * rows each into several indexes; `items.dispatched_at` and its two partial indexes go.
 */
export class DispatchCursor1764400000000 implements MigrationInterface {
  name = 'DispatchCursor1764400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE batches ADD COLUMN dispatched_below int NOT NULL DEFAULT 0`);
    // Up to the first item still waiting in Postgres only. Items after it that were dispatched are
    // handed over again by the feeder: adding a job id that is still in BullMQ changes nothing,
    // and a finished item's claim fails, so no item runs twice.
    await db.query(`
      UPDATE batches b SET dispatched_below = COALESCE(
        (SELECT min(i.position) FROM items i
          WHERE i.batch_id = b.id AND i.status = 'queued' AND i.dispatched_at IS NULL),
        b.item_count)`);
    // "This tenant's open batches", for the feeder and the reconciler, at any number of old batches.
    await db.query(
      `CREATE INDEX batches_open_idx ON batches (tenant_id, created_at, id)
         WHERE status IN ('in_progress', 'cancelling')`,
    );
    await db.query(`DROP INDEX IF EXISTS items_in_flight_idx`);
    await db.query(`DROP INDEX IF EXISTS items_feed_idx`);
    await db.query(`ALTER TABLE items DROP COLUMN dispatched_at`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE items ADD COLUMN dispatched_at timestamptz`);
    await db.query(`
      UPDATE items i SET dispatched_at = b.created_at FROM batches b
        WHERE b.id = i.batch_id AND i.status IN ('queued', 'running') AND i.position < b.dispatched_below`);
    await db.query(
      `CREATE INDEX items_feed_idx ON items (tenant_id, created_at, batch_id, position)
         WHERE status = 'queued' AND dispatched_at IS NULL`,
    );
    await db.query(
      `CREATE INDEX items_in_flight_idx ON items (tenant_id, id)
         WHERE dispatched_at IS NOT NULL AND status IN ('queued', 'running')`,
    );
    await db.query(`DROP INDEX IF EXISTS batches_open_idx`);
    await db.query(`ALTER TABLE batches DROP COLUMN dispatched_below`);
  }
}
