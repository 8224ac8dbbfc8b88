import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A running item is leased to the worker process that runs it, for as long as that worker renews
 * the lease: another run may claim it only once the lease has run out (its worker died), so a live
 * run's item is never called twice. `runs` counts the item's runs; `interrupted_runs` those that
 * were cut short (the next claim found the item still running), which caps a poison item's runs.
 * Adding columns with constant defaults rewrites no rows.
 */
export class ItemLeases1764700000000 implements MigrationInterface {
  name = 'ItemLeases1764700000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE items
        ADD COLUMN lease_owner uuid,
        ADD COLUMN lease_until timestamptz,
        ADD COLUMN runs int NOT NULL DEFAULT 0,
        ADD COLUMN interrupted_runs int NOT NULL DEFAULT 0`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE items
        DROP COLUMN lease_owner, DROP COLUMN lease_until, DROP COLUMN runs, DROP COLUMN interrupted_runs`);
  }
}
