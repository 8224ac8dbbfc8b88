import { Injectable } from '@nestjs/common';
import { ProviderConnectionEntity, type ConnectionLimits } from '@conduit/db';
import { perGroup, tickBatcher } from '@conduit/common';
import { DataSource, In } from 'typeorm';
import type { ProviderKind, ResolvedConnection } from './completion';
import { ConnectionSecrets } from './connection-secrets';
import { isRoutableBy, routableBy } from './connections.service';

type CallableConnection =
  | {
      usable: true;
      connection: ResolvedConnection;
      name: string;
      platform: boolean;
      region: string | null;
      limits: ConnectionLimits;
    }
  | { usable: false; reason: string };

type InspectedConnection =
  | (Omit<Extract<CallableConnection, { usable: true }>, 'connection'> & { entity: ProviderConnectionEntity })
  | Extract<CallableConnection, { usable: false }>;

/** Connection rows by id, as read at one moment: a tenant's own and the platform's (`readFor`). */
export type ConnectionsRead = ReadonlyMap<string, ProviderConnectionEntity>;

/** The worker's side of connections: opened for a call, and marked invalid when a provider refuses the key. */
@Injectable()
export class ConnectionResolver {
  // Fresh on every call; calls made together (a worker's concurrent jobs) share one SELECT.
  private readonly rows = tickBatcher<string, ProviderConnectionEntity | null>(async (ids) => {
    const found = await this.dataSource.getRepository(ProviderConnectionEntity).findBy({ id: In([...new Set(ids)]) });
    return ids.map((id) => found.find((row) => row.id === id) ?? null);
  });

  // The same, by tenant: every connection it could route to (platform ones too: whether its plan
  // allows them is checked per call, and is read at the same time as this).
  private readonly tenantRows = tickBatcher<string, ConnectionsRead>(
    perGroup(
      (tenantId) => tenantId,
      async (tenantId, keys) => {
        const rows = await this.dataSource
          .getRepository(ProviderConnectionEntity)
          .find({ where: routableBy(tenantId, true) });
        const byId: ConnectionsRead = new Map(rows.map((row) => [row.id, row]));
        return keys.map(() => byId);
      },
    ),
  );

  // The jobs that share one read of a row share its opened secrets too; they go with the read.
  private readonly opened = new WeakMap<ProviderConnectionEntity, ResolvedConnection>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly secrets: ConnectionSecrets,
  ) {}

  /**
   * The tenant's own connection, or a platform one when its plan includes them. Secrets opened here
   * only. From `read` when given (rows read moments ago, beside other reads), else read now.
   */
  async resolveForCall(
    tenantId: string,
    id: string,
    platformAllowed: boolean,
    read?: ConnectionsRead,
  ): Promise<CallableConnection> {
    const found = await this.inspect(tenantId, id, platformAllowed, read);
    if (!found.usable) return found;
    const { entity, ...rest } = found;
    return { ...rest, connection: this.open(entity) };
  }

  /** Whether a connection can be called now, without opening its secrets (dry-runs use this). */
  async inspect(
    tenantId: string,
    id: string,
    platformAllowed: boolean,
    read?: ConnectionsRead,
  ): Promise<InspectedConnection> {
    const entity = read ? (read.get(id) ?? null) : await this.rows.load(id);
    if (!entity || !isRoutableBy(entity, tenantId, platformAllowed))
      return { usable: false, reason: `connection ${id} is not available` };
    if (entity.status === 'invalid' || entity.status === 'disabled') {
      const why = entity.statusReason ? ` (${entity.statusReason})` : '';
      return { usable: false, reason: `connection "${entity.name}" is ${entity.status}${why}` };
    }
    return {
      usable: true,
      entity,
      name: entity.name,
      platform: entity.tenantId === null,
      region: entity.region,
      limits: entity.limits,
    };
  }

  /** Every connection a tenant could route to, read fresh (calls made together share one SELECT). */
  readFor(tenantId: string): Promise<ConnectionsRead> {
    return this.tenantRows.load(tenantId);
  }

  open(entity: ProviderConnectionEntity): ResolvedConnection {
    let opened = this.opened.get(entity);
    if (!opened) {
      const fields = this.secrets.open(entity.id, entity.secretCiphertext);
      opened = {
        id: entity.id,
        kind: entity.kind as ProviderKind,
        settings: entity.settings,
        baseUrl: fields.base_url,
        secret: ConnectionSecrets.toAdapterSecret(entity.kind, entity.settings, fields),
      };
      this.opened.set(entity, opened);
    }
    return opened;
  }

  /** A 401/403 from the provider: routing skips the connection until a new key is set and tested. */
  async markInvalid(id: string, reason: string): Promise<void> {
    await this.dataSource
      .getRepository(ProviderConnectionEntity)
      .createQueryBuilder()
      .update()
      .set({ status: 'invalid', statusReason: reason })
      .where(`id = :id AND status <> 'disabled'`, { id })
      .execute();
  }
}
