import { Injectable } from '@nestjs/common';
import { ConduitError, issuesToDetails, validationError } from '@conduit/common';
import { ProviderConnectionEntity, TenantScope, type ConnectionLimits } from '@conduit/db';
import type { ProviderKind, ResolvedConnection } from './completion';
import { BUILT_IN_MODELS, SETTINGS_SCHEMAS } from './connection-settings';
import { ProviderRegistry } from './provider-registry';

export interface CreateConnectionInput {
  name: string;
  kind: ProviderKind;
  settings?: Record<string, unknown>;
  limits?: ConnectionLimits;
  region?: string;
}

/** A tenant's provider connections: created, listed and resolved for calls. */
@Injectable()
export class ConnectionsService {
  constructor(
    private readonly scope: TenantScope,
    private readonly registry: ProviderRegistry,
  ) {}

  async create(tenantId: string, input: CreateConnectionInput): Promise<ProviderConnectionEntity> {
    const settings = this.validateSettings(input.kind, input.settings ?? {});
    const connections = this.scope.repository(ProviderConnectionEntity, tenantId);
    if (await connections.exists({ name: input.name })) {
      throw ConduitError.validation(`a connection named "${input.name}" already exists`, [
        { path: 'name', message: 'is already used by another connection' },
      ]);
    }
    const builtInModels = BUILT_IN_MODELS[input.kind];
    const [created] = await connections.insert([
      {
        name: input.name,
        kind: input.kind,
        settings,
        // A kind with nothing to test (the mock) is usable at once; others start untested.
        status: builtInModels ? 'active' : 'untested',
        models: builtInModels ?? [],
        limits: input.limits ?? {},
        region: input.region ?? null,
      },
    ]);
    return created;
  }

  async get(tenantId: string, id: string): Promise<ProviderConnectionEntity> {
    const connection = await this.scope.repository(ProviderConnectionEntity, tenantId).findOne({ id });
    if (!connection) throw ConduitError.notFound('connection');
    return connection;
  }

  list(tenantId: string): Promise<ProviderConnectionEntity[]> {
    return this.scope.repository(ProviderConnectionEntity, tenantId).find({ order: { createdAt: 'ASC' } });
  }

  /** Which of `ids` are not this tenant's connections. */
  async missing(tenantId: string, ids: string[]): Promise<string[]> {
    const found = await this.scope
      .repository(ProviderConnectionEntity, tenantId)
      .queryBuilder('c')
      .select('c.id', 'id')
      .andWhere('c.id IN (:...ids)', { ids })
      .getRawMany<{ id: string }>();
    const known = new Set(found.map((row) => row.id));
    return ids.filter((id) => !known.has(id));
  }

  /**
   * The connection as the worker calls it, or a reason it cannot be used now.
   * (Secrets are decrypted here once the vault lands; they never leave the call path.)
   */
  async resolveForCall(
    tenantId: string,
    id: string,
  ): Promise<{ connection: ResolvedConnection } | { unusable: string }> {
    const entity = await this.scope.repository(ProviderConnectionEntity, tenantId).findOne({ id });
    if (!entity) return { unusable: `connection ${id} no longer exists` };
    if (entity.status === 'invalid' || entity.status === 'disabled') {
      return { unusable: `connection "${entity.name}" is ${entity.status}` };
    }
    return { connection: { id: entity.id, kind: entity.kind as ProviderKind, settings: entity.settings, secret: {} } };
  }

  private validateSettings(kind: ProviderKind, settings: Record<string, unknown>): Record<string, unknown> {
    const schema = SETTINGS_SCHEMAS[kind];
    if (!schema || !this.registry.get(kind)) {
      const available = this.registry.supportedKinds().join(', ');
      throw ConduitError.validation(`connections of kind "${kind}" are not available yet (available: ${available})`, [
        { path: 'kind', message: `"${kind}" is not available yet` },
      ]);
    }
    const parsed = schema.safeParse(settings);
    if (parsed.success) return parsed.data;
    throw validationError(issuesToDetails(parsed.error.issues, ['settings']));
  }
}
