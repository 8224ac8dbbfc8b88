import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConduitError, ErrorCode } from '@conduit/common';
import { isUniqueViolation, ProviderConnectionEntity, type ConnectionLimits } from '@conduit/db';
import { AuditLog, type Actor } from '@conduit/tenancy';
import { DataSource, In, IsNull, type EntityManager, type FindOptionsWhere } from 'typeorm';
import type { ProviderKind } from './completion';
import { assertComplete, baseUrlHost, validateSettings } from './connection-rules';
import { ConnectionSecrets, secretHint } from './connection-secrets';
import { EndpointPolicy } from './endpoint-policy';
import { BUILT_IN_MODELS } from './connection-settings';

/** Whose connections: a tenant's id, or null for the platform-managed ones shared by plans. */
export type ConnectionOwner = string | null;

interface CreateConnectionInput {
  name: string;
  kind: ProviderKind;
  base_url?: string;
  api_key?: string;
  settings?: Record<string, unknown>;
  limits?: ConnectionLimits;
  region?: string;
}

type UpdateConnectionInput = Partial<Omit<CreateConnectionInput, 'kind' | 'base_url' | 'region'>> & {
  base_url?: string | null;
  region?: string | null;
};

/**
 * Provider connections of a tenant (or of the platform): secrets sealed before they are stored,
 * settings validated per kind, endpoints checked against the egress rules, every change audited.
 */
@Injectable()
export class ConnectionsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly secrets: ConnectionSecrets,
    private readonly endpoints: EndpointPolicy,
    private readonly audit: AuditLog,
  ) {}

  async create(actor: Actor, owner: ConnectionOwner, input: CreateConnectionInput): Promise<ProviderConnectionEntity> {
    const settings = validateSettings(input.kind, input.settings ?? {});
    assertComplete({ kind: input.kind, settings, hasApiKey: !!input.api_key, hasBaseUrl: !!input.base_url });
    if (input.base_url) this.endpoints.assertAllowed(input.base_url);

    const id = randomUUID();
    const sealed = this.secrets.seal(id, null, { api_key: input.api_key, base_url: input.base_url });
    const builtInModels = BUILT_IN_MODELS[input.kind];
    const created = this.dataSource.transaction(async (manager) => {
      const connection = await manager.getRepository(ProviderConnectionEntity).save({
        id,
        tenantId: owner,
        name: input.name,
        kind: input.kind,
        settings,
        secretCiphertext: sealed.ciphertext,
        secretKeyVersion: sealed.keyId,
        secretHint: input.api_key ? secretHint(input.api_key) : null,
        baseUrlHost: input.base_url ? baseUrlHost(input.base_url) : null,
        // Nothing to test on the mock: usable at once. Others start untested (still routable).
        status: builtInModels ? 'active' : 'untested',
        statusReason: null,
        models: builtInModels ?? [],
        limits: input.limits ?? {},
        region: input.region ?? null,
        lastTest: null,
      });
      await this.audit.record(
        actor,
        {
          tenantId: owner,
          action: 'connection.create',
          targetType: 'connection',
          targetId: id,
          change: {
            name: input.name,
            kind: input.kind,
            base_url_host: connection.baseUrlHost,
            api_key: input.api_key ? 'set' : 'none',
            settings,
            limits: connection.limits,
            region: connection.region,
          },
        },
        manager,
      );
      return connection;
    });
    return refuseTakenName(created, input.name);
  }

  list(owner: ConnectionOwner): Promise<ProviderConnectionEntity[]> {
    return this.dataSource
      .getRepository(ProviderConnectionEntity)
      .find({ where: ownedBy(owner), order: { createdAt: 'ASC' } });
  }

  async get(owner: ConnectionOwner, id: string): Promise<ProviderConnectionEntity> {
    const connection = await this.dataSource
      .getRepository(ProviderConnectionEntity)
      .findOne({ where: { ...ownedBy(owner), id } });
    if (!connection) throw ConduitError.notFound('connection');
    return connection;
  }

  /** Rename, rotate the key, change endpoint, settings or limits. A key, URL or settings change needs a new test. */
  async update(
    actor: Actor,
    owner: ConnectionOwner,
    id: string,
    patch: UpdateConnectionInput,
  ): Promise<ProviderConnectionEntity> {
    const updated = this.dataSource.transaction(async (manager) => {
      const repository = manager.getRepository(ProviderConnectionEntity);
      const current = await repository.findOne({
        where: { ...ownedBy(owner), id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!current) throw ConduitError.notFound('connection');
      const kind = current.kind as ProviderKind;

      const settings = patch.settings === undefined ? current.settings : validateSettings(kind, patch.settings);
      const hasBaseUrl = patch.base_url === undefined ? current.baseUrlHost !== null : patch.base_url !== null;
      const hasApiKey = patch.api_key === undefined ? current.secretHint !== null : true;
      assertComplete({ kind, settings, hasApiKey, hasBaseUrl });
      if (patch.base_url) this.endpoints.assertAllowed(patch.base_url);

      const secretChanged = patch.api_key !== undefined || patch.base_url !== undefined;
      const needsTest = secretChanged || patch.settings !== undefined;
      const sealed = secretChanged
        ? this.secrets.seal(id, current.secretCiphertext, { api_key: patch.api_key, base_url: patch.base_url })
        : { ciphertext: current.secretCiphertext, keyId: current.secretKeyVersion };

      const saved = await repository.save({
        ...current,
        name: patch.name ?? current.name,
        settings,
        limits: patch.limits ?? current.limits,
        region: patch.region === undefined ? current.region : patch.region,
        secretCiphertext: sealed.ciphertext,
        secretKeyVersion: sealed.keyId,
        secretHint: patch.api_key ? secretHint(patch.api_key) : current.secretHint,
        baseUrlHost: patch.base_url === undefined ? current.baseUrlHost : patch.base_url && baseUrlHost(patch.base_url),
        ...(needsTest && current.status !== 'disabled' ? { status: 'untested' as const, statusReason: null } : {}),
      });
      await this.audit.record(
        actor,
        {
          tenantId: owner,
          action: 'connection.update',
          targetType: 'connection',
          targetId: id,
          change: describeChange(patch),
        },
        manager,
      );
      return saved;
    });
    return patch.name === undefined ? updated : refuseTakenName(updated, patch.name);
  }

  /** Refused while the current routing policy of any task (of any tenant, for platform ones) names it. */
  async remove(actor: Actor, owner: ConnectionOwner, id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const repository = manager.getRepository(ProviderConnectionEntity);
      const connection = await repository.findOne({
        where: { ...ownedBy(owner), id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!connection) throw ConduitError.notFound('connection');
      const tasks = await this.tasksRoutedTo(manager, owner, id);
      if (tasks.length > 0) {
        throw new ConduitError(
          ErrorCode.Conflict,
          `the connection is used by the current routing policy of: ${tasks.join(', ')}; change routing first`,
        );
      }
      await repository.delete({ id });
      await this.audit.record(
        actor,
        {
          tenantId: owner,
          action: 'connection.delete',
          targetType: 'connection',
          targetId: id,
          change: { name: connection.name },
        },
        manager,
      );
    });
  }

  /** Which of `ids` this tenant cannot route to (platform connections count when its plan allows them). */
  async missing(tenantId: string, ids: string[], platformAllowed: boolean): Promise<string[]> {
    const found = await this.dataSource.getRepository(ProviderConnectionEntity).find({
      select: { id: true },
      where: routableBy(tenantId, platformAllowed).map((owner) => ({ ...owner, id: In(ids) })),
    });
    const known = new Set(found.map((row) => row.id));
    return ids.filter((id) => !known.has(id));
  }

  private async tasksRoutedTo(manager: EntityManager, owner: ConnectionOwner, id: string): Promise<string[]> {
    const rows = await manager.query<{ task: string }[]>(
      `SELECT DISTINCT current.task
         FROM (SELECT DISTINCT ON (tenant_id, task) tenant_id, task, targets
                 FROM routing_policies
                WHERE ($1::uuid IS NULL OR tenant_id = $1)
                ORDER BY tenant_id, task, version DESC) AS current
        WHERE current.targets @> jsonb_build_array(jsonb_build_object('connection_id', $2::text))`,
      [owner, id],
    );
    return rows.map((row) => row.task);
  }
}

/** The connections a tenant may route to: its own, and the platform's when its plan includes them. */
export function routableBy(tenantId: string, platformAllowed: boolean): FindOptionsWhere<ProviderConnectionEntity>[] {
  return platformAllowed ? [{ tenantId }, { tenantId: IsNull() }] : [{ tenantId }];
}

/** `routableBy` for a row in hand. */
export function isRoutableBy(
  connection: ProviderConnectionEntity,
  tenantId: string,
  platformAllowed: boolean,
): boolean {
  return connection.tenantId === tenantId || (platformAllowed && connection.tenantId === null);
}

/** The one filter for connection ownership: a tenant's rows, or the platform's (no tenant). */
export function ownedBy(owner: ConnectionOwner): FindOptionsWhere<ProviderConnectionEntity> {
  return { tenantId: owner === null ? IsNull() : owner };
}

/** Names are unique per tenant, and among platform connections: Postgres decides, also between two requests at once. */
const NAME_INDEXES = ['provider_connections_tenant_name_idx', 'provider_connections_platform_name_idx'];

async function refuseTakenName<T>(write: Promise<T>, name: string): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (!isUniqueViolation(error, NAME_INDEXES)) throw error;
    throw new ConduitError(ErrorCode.Conflict, `a connection named "${name}" already exists`, [
      { path: 'name', message: 'is already used by another connection' },
    ]);
  }
}

/** The audit view of a change: secrets only as "changed". */
function describeChange(patch: UpdateConnectionInput): Record<string, unknown> {
  const { api_key: apiKey, base_url: baseUrl, ...rest } = patch;
  return {
    ...rest,
    ...(apiKey !== undefined ? { api_key: 'changed' } : {}),
    ...(baseUrl !== undefined ? { base_url_host: baseUrl && new URL(baseUrl).host } : {}),
  };
}
