import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1763800000000 implements MigrationInterface {
  name = 'InitialSchema1763800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE tenants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        plan text NOT NULL,
        status text NOT NULL CHECK (status IN ('active', 'trialing', 'suspended', 'expired')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await db.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
        prefix text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        created_by uuid REFERENCES api_keys(id) ON DELETE SET NULL,
        last_used_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX api_keys_tenant_idx ON api_keys (tenant_id)`);

    await db.query(`
      CREATE TABLE provider_connections (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid REFERENCES tenants(id) ON DELETE CASCADE,
        name text NOT NULL,
        kind text NOT NULL,
        settings jsonb NOT NULL DEFAULT '{}',
        secret_ciphertext text,
        secret_key_version text,
        secret_hint text,
        base_url_host text,
        status text NOT NULL CHECK (status IN ('untested', 'active', 'invalid', 'disabled')),
        models jsonb NOT NULL DEFAULT '[]',
        limits jsonb NOT NULL DEFAULT '{}',
        region text,
        last_test jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX provider_connections_tenant_idx ON provider_connections (tenant_id)`);

    await db.query(`
      CREATE TABLE routing_policies (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        task text NOT NULL,
        version int NOT NULL CHECK (version > 0),
        targets jsonb NOT NULL,
        constraints jsonb NOT NULL DEFAULT '{}',
        updated_by uuid REFERENCES api_keys(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, task, version)
      )`);

    await db.query(`
      CREATE TABLE batches (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        api_key_id uuid NOT NULL REFERENCES api_keys(id),
        end_user text,
        idempotency_key text,
        request_hash text,
        status text NOT NULL CHECK (status IN ('in_progress', 'completed', 'cancelling', 'cancelled')),
        item_count int NOT NULL,
        webhook_url text,
        metadata jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        UNIQUE (tenant_id, idempotency_key)
      )`);
    await db.query(`CREATE INDEX batches_tenant_created_idx ON batches (tenant_id, created_at DESC, id DESC)`);

    await db.query(`
      CREATE TABLE items (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        batch_id uuid NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
        position int NOT NULL,
        custom_id text NOT NULL,
        task text NOT NULL,
        input jsonb NOT NULL,
        options jsonb NOT NULL DEFAULT '{}',
        status text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
        result jsonb,
        error jsonb,
        connection_id uuid,
        model text,
        policy_version int,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        completed_at timestamptz,
        UNIQUE (batch_id, position),
        UNIQUE (batch_id, custom_id)
      )`);
    await db.query(`CREATE INDEX items_batch_status_idx ON items (batch_id, status, position)`);
    await db.query(`CREATE INDEX items_open_idx ON items (status, tenant_id) WHERE status IN ('queued', 'running')`);

    await db.query(`
      CREATE TABLE attempts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        batch_id uuid NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
        item_id uuid NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        connection_id uuid NOT NULL,
        provider_kind text NOT NULL,
        model text NOT NULL,
        target_index int NOT NULL,
        call_number int NOT NULL,
        outcome text NOT NULL,
        http_status int,
        latency_ms int NOT NULL,
        input_tokens int NOT NULL DEFAULT 0,
        output_tokens int NOT NULL DEFAULT 0,
        cached_tokens int NOT NULL DEFAULT 0,
        cache_write_tokens int NOT NULL DEFAULT 0,
        reasoning_tokens int NOT NULL DEFAULT 0,
        cost numeric(18, 8) NOT NULL DEFAULT 0,
        provider_cost numeric(18, 8),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX attempts_item_idx ON attempts (item_id)`);
    await db.query(`CREATE INDEX attempts_batch_idx ON attempts (batch_id)`);
    await db.query(`CREATE INDEX attempts_tenant_created_idx ON attempts (tenant_id, created_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of [
      'attempts',
      'items',
      'batches',
      'routing_policies',
      'provider_connections',
      'api_keys',
      'tenants',
    ]) {
      await db.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
