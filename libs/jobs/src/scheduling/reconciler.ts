import { Injectable, Logger } from '@nestjs/common';
import { BatchEntity, ItemEntity, ItemRepository, TenantScope } from '@conduit/db';
import { DataSource } from 'typeorm';
import { ItemQueue } from '../item-queue';
import { DISPATCHED_OPEN_ITEM, OPEN_BATCH } from './dispatch-cursor';

const PAGE = 500;

export interface ReconcileReport {
  /** Dispatched open items whose job was looked up. */
  checked: number;
  /** Open items whose job was gone, added to BullMQ again. */
  requeued: number;
  /** Finished leftover jobs removed so their id can be queued again. */
  removedJobs: number;
}

/**
 * Postgres is the source of truth; Redis is only the dispatch. Finds items Postgres says are in
 * BullMQ (below their batch's dispatch cursor, still `queued` or `running`) whose job is not there
 * any more, or is finished although the item is not (Redis lost its data, a job failed for good
 * during an outage), and adds their jobs again, ahead of other work. A running item whose lease
 * is live is left alone: its run is alive (Redis only lost its job), and it stores its own outcome;
 * a job added for it would only wait for that lease. The claim refuses such an item too.
 */
@Injectable()
export class Reconciler {
  private readonly logger = new Logger(Reconciler.name);

  constructor(
    private readonly scope: TenantScope,
    private readonly items: ItemRepository,
    private readonly dataSource: DataSource,
    private readonly queue: ItemQueue,
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
    // Read again after Redis: an item finishes in Postgres before its job completes, so one that
    // finished while we looked is not open here, and is not run again.
    const open = await this.items.runnable(tenantId, lost);
    if (open.length === 0) return;
    // First in line: these items have waited longest.
    await this.queue.enqueue(tenantId, open, 1);
    report.requeued += open.length;
  }

  /** The next page of a tenant's dispatched open items (below their open batch's cursor), by id. */
  private async dispatchedPage(tenantId: string, after: string | null): Promise<string[]> {
    const query = this.scope
      .repository(BatchEntity, tenantId)
      .queryBuilder('b')
      .innerJoin(ItemEntity, 'i', DISPATCHED_OPEN_ITEM)
      .select('i.id', 'id')
      .andWhere(OPEN_BATCH)
      .orderBy('i.id')
      .limit(PAGE);
    if (after) query.andWhere('i.id > :after', { after });
    const rows = await query.getRawMany<{ id: string }>();
    return rows.map((row) => row.id);
  }

  /**
   * Tenants with dispatched items in open batches, by a skip scan over `batches_open_idx`.
   * Cross-tenant by nature (the reconciler checks every tenant) and it reads tenant ids only.
   */
  private async tenantsInFlight(): Promise<string[]> {
    const rows: { tenant_id: string }[] = await this.dataSource.query(`
      WITH RECURSIVE busy AS (
        (SELECT tenant_id FROM batches b
          WHERE ${OPEN_BATCH} AND b.dispatched_below > 0 ORDER BY tenant_id LIMIT 1)
        UNION ALL
        SELECT (SELECT b.tenant_id FROM batches b
                 WHERE ${OPEN_BATCH} AND b.dispatched_below > 0 AND b.tenant_id > busy.tenant_id
                 ORDER BY b.tenant_id LIMIT 1)
          FROM busy WHERE busy.tenant_id IS NOT NULL
      )
      SELECT tenant_id FROM busy WHERE tenant_id IS NOT NULL`);
    return rows.map((row) => row.tenant_id);
  }
}
