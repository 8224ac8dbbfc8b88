import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every attempt row is inserted before its call and completed once after it. The completion
 * changes no indexed column, so with room left on the page Postgres updates the row in place
 * (a HOT update) instead of writing a new version into the table's four indexes. Half of each
 * page is kept free for that; the update then costs about half as much.
 */
export class AttemptsFillfactor1764300000000 implements MigrationInterface {
  name = 'AttemptsFillfactor1764300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE attempts SET (fillfactor = 50)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE attempts RESET (fillfactor)`);
  }
}
