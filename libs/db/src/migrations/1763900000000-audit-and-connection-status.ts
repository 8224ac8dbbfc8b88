import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditAndConnectionStatus1763900000000 implements MigrationInterface {
  name = 'AuditAndConnectionStatus1763900000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE audit_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid REFERENCES tenants(id) ON DELETE CASCADE,
        actor_type text NOT NULL CHECK (actor_type IN ('api_key', 'platform')),
        actor_id uuid,
        action text NOT NULL,
        target_type text NOT NULL,
        target_id uuid,
        change jsonb NOT NULL DEFAULT '{}',
        request_id text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(
      `CREATE INDEX audit_events_tenant_created_idx ON audit_events (tenant_id, created_at DESC, id DESC)`,
    );
    await db.query(`ALTER TABLE provider_connections ADD COLUMN status_reason text`);
    // Platform connections (no tenant) are unique by name among themselves, as a tenant's are.
    await db.query(
      `CREATE UNIQUE INDEX provider_connections_platform_name_idx ON provider_connections (name) WHERE tenant_id IS NULL`,
    );
    await db.query(
      `CREATE UNIQUE INDEX provider_connections_tenant_name_idx ON provider_connections (tenant_id, name) WHERE tenant_id IS NOT NULL`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IF EXISTS provider_connections_tenant_name_idx`);
    await db.query(`DROP INDEX IF EXISTS provider_connections_platform_name_idx`);
    await db.query(`ALTER TABLE provider_connections DROP COLUMN IF EXISTS status_reason`);
    await db.query(`DROP TABLE IF EXISTS audit_events`);
  }
}
