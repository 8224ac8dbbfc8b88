import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@conduit/config';
import { ItemEntity, TenantScope } from '@conduit/db';
import { DataSource } from 'typeorm';
import { ItemQueue } from '../item-queue';

const PAGE = 500;

export interface ReconcileReport {
  /** Dispatched open items older than the grace period whose job was looked up. */
  checked: number;
  /** Items made undispatched again (and `queued`), for the feeder to hand to BullMQ anew. */
  requeued: number;
  /** Finished leftover jobs removed so their id can be queued again. */
  removedJobs: number;
}

/**
 * Postgres is the source of truth; Redis is only the dispatch. Finds items Postgres says are in
 * BullMQ (dispatched, still `queued` or `running`) whose job is not there any more, or is finished
 * although the item is not (Redis lost its data, a job failed for good during an outage), and
 * makes them undispatched again so the feeder queues them anew. Run-time claims and the
 * conditional finish make a duplicate run harmless, so erring towards re-queuing is safe.
 */
@Injectable()
export class Reconciler {
  private readonly logger = new Logger(Reconciler.name);

  constructor(
    private readonly scope: TenantScope,
    private readonly dataSource: DataSource,
    private readonly queue: ItemQueue,
    private readonly config: AppConfig,
  ) {}

  /** Checks every tenant, or only `only.tenantId` (for an operator, or a test, that wants one). */
  async reconcile(only: { tenantId?: string } = {}): Promise<ReconcileReport> {
    const report: ReconcileReport = { checked: 0, requeued: 0, removedJobs: 0 };
    const tenants = only.tenantId ? [only.tenantId] : await this.tenantsInFlight();
    for (const tenantId of tenants) {
      for (let after: string | null = null; ;) {
        const page = await this.dispatchedPage(tenantId, after);
        if (page.length === 0) break;
        await this.reconcilePage(tenantId, page, report);
        if (page.length < PAGE) break;
        after = page[page.length - 1];
      }
    }
    if (report.requeued > 0 || report.removedJobs > 0) {
      this.logger.warn(report, 'reconciler re-queued items that had no live job');
    } else {
      this.logger.debug(report, 'reconciler found every dispatched item in BullMQ');
    }
    return report;
  }

  private async reconcilePage(tenantId: string, itemIds: string[], report: ReconcileReport): Promise<void> {
    report.checked += itemIds.length;
    const states = await this.queue.states(itemIds);
    const lost: string[] = [];
    for (const id of itemIds) {
      const state = states.get(id);
      if (state === 'missing') lost.push(id);
      if (state !== 'finished') continue;
      // A finished job keeps its id: remove it first, or adding the item again would be a no-op.
      if (await this.queue.removeFinished(id)) {
        report.removedJobs++;
        lost.push(id);
      }
    }
    if (lost.length === 0) return;
    const result = await this.scope
      .repository(ItemEntity, tenantId)
      .updateQuery({ status: 'queued', dispatchedAt: null })
      .andWhere('id = ANY(:lost)', { lost })
      .andWhere(`status IN ('queued', 'running')`)
      // Still the dispatch we looked at, not one the feeder made since.
      .andWhere(this.graceCondition())
      .execute();
    report.requeued += result.affected ?? 0;
  }

  /** The next page of a tenant's dispatched open items past the grace period, by id. */
  private async dispatchedPage(tenantId: string, after: string | null): Promise<string[]> {
    const query = this.scope
      .repository(ItemEntity, tenantId)
      .queryBuilder('i')
      .select('i.id', 'id')
      .andWhere('i.dispatched_at IS NOT NULL')
      .andWhere(`i.status IN ('queued', 'running')`)
      .andWhere(this.graceCondition('i.'))
      .orderBy('i.id')
      .limit(PAGE);
    if (after) query.andWhere('i.id > :after', { after });
    const rows = await query.getRawMany<{ id: string }>();
    return rows.map((row) => row.id);
  }

  /** Database time on both sides, so clock skew between hosts does not matter. */
  private graceCondition(alias = ''): string {
    const ms = Math.trunc(this.config.scheduling.reconcilerGraceMs);
    return `${alias}dispatched_at <= now() - interval '${ms} milliseconds'`;
  }

  /**
   * Tenants with dispatched open items, by a skip scan over `items_in_flight_idx`. Cross-tenant by
   * nature (the reconciler checks every tenant) and it reads tenant ids only.
   */
  private async tenantsInFlight(): Promise<string[]> {
    const rows: { tenant_id: string }[] = await this.dataSource.query(`
      WITH RECURSIVE busy AS (
        (SELECT tenant_id FROM items
          WHERE dispatched_at IS NOT NULL AND status IN ('queued', 'running') ORDER BY tenant_id LIMIT 1)
        UNION ALL
        SELECT (SELECT i.tenant_id FROM items i
                 WHERE i.dispatched_at IS NOT NULL AND i.status IN ('queued', 'running')
                   AND i.tenant_id > b.tenant_id
                 ORDER BY i.tenant_id LIMIT 1)
          FROM busy b WHERE b.tenant_id IS NOT NULL
      )
      SELECT tenant_id FROM busy WHERE tenant_id IS NOT NULL`);
    return rows.map((row) => row.tenant_id);
  }
}
