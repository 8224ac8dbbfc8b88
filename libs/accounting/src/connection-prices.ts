import { Injectable } from '@nestjs/common';
import { ConduitError } from '@conduit/common';
import { ModelPriceEntity, ProviderConnectionEntity } from '@conduit/db';
import { AuditLog, type Actor } from '@conduit/tenancy';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import { PriceTable } from './price-table';

/** USD per million tokens, as the API takes them. */
export interface PriceInput {
  input_per_million: number;
  output_per_million: number;
  /** Cache reads; omitted or null: they cost the input rate. */
  cached_input_per_million?: number | null;
}

export interface ConnectionPriceList {
  connection: ProviderConnectionEntity;
  /** This connection's own prices. */
  overrides: ModelPriceEntity[];
  /** The defaults for the connection's kind, for models without an override. */
  defaults: ModelPriceEntity[];
}

/**
 * A tenant's per-connection price overrides. Only the tenant's own connections: another tenant's,
 * or a platform connection, is not found (404). Every change is audited in its transaction.
 */
@Injectable()
export class ConnectionPrices {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly prices: PriceTable,
  ) {}

  async list(tenantId: string, connectionId: string): Promise<ConnectionPriceList> {
    const connection = await this.connectionOf(this.dataSource.manager, tenantId, connectionId);
    const repository = this.dataSource.getRepository(ModelPriceEntity);
    const [overrides, defaults] = await Promise.all([
      repository.find({ where: { tenantId, connectionId }, order: { model: 'ASC' } }),
      repository.find({ where: { providerKind: connection.kind, connectionId: IsNull() }, order: { model: 'ASC' } }),
    ]);
    const overridden = new Set(overrides.map((price) => price.model));
    return { connection, overrides, defaults: defaults.filter((price) => !overridden.has(price.model)) };
  }

  /** Sets (creates or replaces) the connection's price for a model. */
  async set(
    actor: Actor,
    tenantId: string,
    connectionId: string,
    model: string,
    input: PriceInput,
  ): Promise<ModelPriceEntity> {
    const saved = await this.dataSource.transaction(async (manager) => {
      const connection = await this.connectionOf(manager, tenantId, connectionId);
      const [row] = await manager.query<Record<string, unknown>[]>(
        `INSERT INTO model_prices
           (tenant_id, provider_kind, model, connection_id, input_per_million, output_per_million, cached_input_per_million)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (provider_kind, model, connection_id) WHERE connection_id IS NOT NULL
         DO UPDATE SET input_per_million = EXCLUDED.input_per_million,
                       output_per_million = EXCLUDED.output_per_million,
                       cached_input_per_million = EXCLUDED.cached_input_per_million,
                       updated_at = now()
         RETURNING id`,
        [
          tenantId,
          connection.kind,
          model,
          connection.id,
          input.input_per_million,
          input.output_per_million,
          input.cached_input_per_million ?? null,
        ],
      );
      await this.audit.record(
        actor,
        {
          tenantId,
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
  async remove(actor: Actor, tenantId: string, connectionId: string, model: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const connection = await this.connectionOf(manager, tenantId, connectionId);
      const deleted = await manager
        .getRepository(ModelPriceEntity)
        .delete({ tenantId, connectionId: connection.id, model });
      if (!deleted.affected) throw ConduitError.notFound('price');
      await this.audit.record(
        actor,
        {
          tenantId,
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
    tenantId: string,
    connectionId: string,
  ): Promise<ProviderConnectionEntity> {
    const connection = await manager
      .getRepository(ProviderConnectionEntity)
      .findOne({ where: { id: connectionId, tenantId } });
    if (!connection) throw ConduitError.notFound('connection');
    return connection;
  }
}
