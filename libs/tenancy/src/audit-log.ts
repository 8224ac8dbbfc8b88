import { Injectable } from '@nestjs/common';
import { AuditEventEntity, TenantScope } from '@conduit/db';
import { DataSource, type EntityManager } from 'typeorm';
import type { Actor } from './actor';

interface AuditRecord {
  tenantId: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  /** Sanitized: never a secret value (say `{ api_key: 'changed' }`). */
  change?: Record<string, unknown>;
}

/** Append-only record of every mutation; written inside the mutation's own transaction. */
@Injectable()
export class AuditLog {
  constructor(
    private readonly dataSource: DataSource,
    private readonly scope: TenantScope,
  ) {}

  async record(actor: Actor, event: AuditRecord, manager: EntityManager = this.dataSource.manager): Promise<void> {
    const events = manager.getRepository(AuditEventEntity);
    await events.save(
      events.create({
        tenantId: event.tenantId,
        actorType: actor.type,
        actorId: actor.type === 'api_key' ? actor.apiKeyId : null,
        action: event.action,
        targetType: event.targetType,
        targetId: event.targetId,
        change: event.change ?? {},
        requestId: actor.requestId ?? null,
      }),
    );
  }

  /** A tenant's events, newest first; `after` is the id of the last event of the previous page. */
  list(tenantId: string, options: { after?: string; limit: number }): Promise<AuditEventEntity[]> {
    const query = this.scope.repository(AuditEventEntity, tenantId).queryBuilder('e');
    if (options.after) {
      query.andWhere('(e.created_at, e.id) < (SELECT created_at, id FROM audit_events WHERE id = :after)', {
        after: options.after,
      });
    }
    return query.orderBy('e.created_at', 'DESC').addOrderBy('e.id', 'DESC').limit(options.limit).getMany();
  }
}
