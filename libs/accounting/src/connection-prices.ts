import { Injectable } from '@nestjs/common';
import { ConduitError } from '@conduit/common';
import { ModelPriceEntity, ProviderConnectionEntity } from '@conduit/db';
import { ownedBy, type ConnectionOwner } from '@conduit/providers';
import { AuditLog, type Actor } from '@conduit/tenancy';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import { PriceTable } from './price-table';

/** USD per million tokens, as the API takes them. An optional rate omitted or null is derived (`toModelPrice`). */
interface PriceInput {
  input_per_million: number;
  output_per_million: number;
  /** Cache reads; derived: the input rate. */
  cached_input_per_million?: number | null;
  /** Cache writes (5-minute lifetime); derived: 1.25× input for Claude models, else the input rate. */
  cache_write_per_million?: number | null;
  /** 1-hour cache writes; derived: 2× input for Claude models, else the 5-minute rate. */
  cache_write_1h_per_million?: number | null;
  /** Reasoning output; derived: the output rate. */
  reasoning_per_million?: number | null;
}

export interface ConnectionPriceList {
  connection: ProviderConnectionEntity;
  /** This connection's own prices. */
  overrides: ModelPriceEntity[];
  /** The defaults for the connection's kind, for models without an override. */
  defaults: ModelPriceEntity[];
}

/**
 * Per-connection price overrides, of a tenant's own connections or (owner null) of the platform's.
 * Only the owner's connections: another tenant's, or a platform connection asked for by a tenant,
 * is not found (404). Every change is audited in its transaction.
 */
@Injectable()
export class ConnectionPrices {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly prices: PriceTable,
  ) {}

  async list(owner: ConnectionOwner, connectionId: string): Promise<ConnectionPriceList> {
    const connection = await this.connectionOf(this.dataSource.manager, owner, connectionId);
    const repository = this.dataSource.getRepository(ModelPriceEntity);
    const [overrides, defaults] = await Promise.all([
      repository.find({ where: { connectionId: connection.id }, order: { model: 'ASC' } }),
      repository.find({ where: { providerKind: connection.kind, connectionId: IsNull() }, order: { model: 'ASC' } }),
    ]);
    const overridden = new Set(overrides.map((price) => price.model));
    return { connection, overrides, defaults: defaults.filter((price) => !overridden.has(price.model)) };
  }

  /** Sets (creates or replaces) the connection's price for a model. */
  async set(
    actor: Actor,
    owner: ConnectionOwner,
    connectionId: string,
    model: string,
    input: PriceInput,
  ): Promise<ModelPriceEntity> {
    const saved = await this.dataSource.transaction(async (manager) => {
      const connection = await this.connectionOf(manager, owner, connectionId);
      const [row] = await manager.query<Record<string, unknown>[]>(
        `INSERT INTO model_prices
           (tenant_id, provider_kind, model, connection_id, input_per_million, output_per_million,
            cached_input_per_million, cache_write_per_million, cache_write_1h_per_million, reasoning_per_million)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (provider_kind, model, connection_id) WHERE connection_id IS NOT NULL
         DO UPDATE SET input_per_million = EXCLUDED.input_per_million,
                       output_per_million = EXCLUDED.output_per_million,
                       cached_input_per_million = EXCLUDED.cached_input_per_million,
                       cache_write_per_million = EXCLUDED.cache_write_per_million,
                       cache_write_1h_per_million = EXCLUDED.cache_write_1h_per_million,
                       reasoning_per_million = EXCLUDED.reasoning_per_million,
                       updated_at = now()
         RETURNING id`,
        [
          owner,
          connection.kind,
          model,
          connection.id,
          input.input_per_million,
          input.output_per_million,
          input.cached_input_per_million ?? null,
          input.cache_write_per_million ?? null,
          input.cache_write_1h_per_million ?? null,
          input.reasoning_per_million ?? null,
        ],
      );
      await this.audit.record(
        actor,
        {
          tenantId: owner,
          action: 'connection.price_set',
          targetType: 'connection',
          targetId: connection.id,
          change: { model, ...input },
        },
        manager,
      );
      return manager.getRepository(ModelPriceEntity).findOneByOrFail({ id: row.id as string });
    });
    this.prices.invalidate();
    return saved;
  }

  /** Removes the connection's price for a model: the default applies again. */
  async remove(actor: Actor, owner: ConnectionOwner, connectionId: string, model: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const connection = await this.connectionOf(manager, owner, connectionId);
      const deleted = await manager.getRepository(ModelPriceEntity).delete({ connectionId: connection.id, model });
      if (!deleted.affected) throw ConduitError.notFound('price');
      await this.audit.record(
        actor,
        {
          tenantId: owner,
          action: 'connection.price_delete',
          targetType: 'connection',
          targetId: connection.id,
          change: { model },
        },
        manager,
      );
    });
    this.prices.invalidate();
  }

  private async connectionOf(
    manager: EntityManager,
    owner: ConnectionOwner,
    connectionId: string,
  ): Promise<ProviderConnectionEntity> {
    const connection = await manager
      .getRepository(ProviderConnectionEntity)
      .findOne({ where: { ...ownedBy(owner), id: connectionId } });
    if (!connection) throw ConduitError.notFound('connection');
    return connection;
  }
}
