import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `items_open_idx` (status, tenant_id) served tenant-wide scans of open items, which the dispatch
 * cursor replaced with per-batch ones. Nothing needs it any more, but the planner still picked it
 * for the worker's claims and finishes, which name their items by id: with statistics older than
 * a large upload it read every running (or open) item of the tenant to find a few dozen, instead
 * of probing the primary key. Without it those statements have no other way in, and every status
 * change writes one index entry fewer.
 */
export class DropItemsOpenIdx1764600000000 implements MigrationInterface {
  name = 'DropItemsOpenIdx1764600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IF EXISTS items_open_idx`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX items_open_idx ON items (status, tenant_id) WHERE status IN ('queued', 'running')`);
  }
}
