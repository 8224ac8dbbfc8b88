import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '@conduit/config';
import { ItemEntity, TenantScope } from '@conduit/db';
import { DataSource } from 'typeorm';
import { ItemQueue } from '../item-queue';

/** Advisory lock class (first key) for "feeding tenant X"; the second key is a hash of the tenant id. */
const FEED_LOCK_CLASS = 0x66656564; // "feed"
/** How long a feed waits for another feed of the same tenant to finish. */
const LOCK_WAIT_MS = 2_000;
/** A nudge waits this long so that many items finishing together cost one feed. */
const NUDGE_DELAY_MS = 100;

export interface FeedRound {
  tenants: number;
  dispatched: number;
  failedTenants: number;
}

/**
 * Keeps at most `tenantInFlight` open items of each tenant in BullMQ and tops them up from
 * Postgres, oldest first. That bounds Redis memory however large the batches, and each tenant's
 * share of the queue.
 *
 * BullMQ runs jobs in priority order (lower first), FIFO within a priority. An item's job gets
 * 1 + the number of its tenant's items already in BullMQ, its place in its tenant's own line, so
 * the queue interleaves tenants: the first items of a tenant that just arrived run next, ahead of
 * the refills of a tenant with hundreds in flight, whose own order is kept.
 */
@Injectable()
export class ItemFeeder implements OnModuleDestroy {
  private readonly logger = new Logger(ItemFeeder.name);
  private readonly nudges = new Map<string, NodeJS.Timeout>();
  private lastFirst = '';

  constructor(
    private readonly scope: TenantScope,
    private readonly dataSource: DataSource,
    private readonly queue: ItemQueue,
    private readonly config: AppConfig,
  ) {}

  /**
   * Tops up one tenant: its oldest undispatched items, up to the bound, are marked dispatched and
   * added to BullMQ, in one transaction that commits only after the add. So `dispatched_at` is set
   * only for items whose job was added: a crash or a failed add leaves them undispatched (the
   * transaction rolls back), and the next feed adds them again (a no-op for any job that made it).
   * Returns how many were dispatched.
   */
  async feedTenant(tenantId: string): Promise<number> {
    return this.scope.transaction(async (manager) => {
      // Feeds of one tenant run one at a time, or two could both fill the same free slots.
      // Bounded wait: a feed stuck on an unreachable Redis must not pile up the others.
      await manager.query(`SET LOCAL lock_timeout = '${LOCK_WAIT_MS}ms'`);
      await manager.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [FEED_LOCK_CLASS, tenantId]);
      const items = this.scope.repository(ItemEntity, tenantId, manager);
      const inFlight = await items
        .queryBuilder('i')
        .andWhere('i.dispatched_at IS NOT NULL')
        .andWhere(`i.status IN ('queued', 'running')`)
        .getCount();
      const room = this.config.scheduling.tenantInFlight - inFlight;
      if (room <= 0) return 0;
      const next = await items
        .queryBuilder('i')
        .select('i.id', 'id')
        .andWhere(`i.status = 'queued'`)
        .andWhere('i.dispatched_at IS NULL')
        .orderBy('i.created_at')
        .addOrderBy('i.batch_id')
        .addOrderBy('i.position')
        .limit(room)
        .getRawMany<{ id: string }>();
      if (next.length === 0) return 0;
      const ids = next.map((row) => row.id);
      // Marked before the jobs are added: a worker that takes a job at once then waits for this
      // commit to claim it, rather than claiming rows this statement still has to lock (with
      // claims and finishes of many items at a time, that could deadlock and cost a finished
      // call its result).
      await items
        .updateQuery({ dispatchedAt: () => 'now()' })
        .andWhere('id = ANY(:ids)', { ids })
        .andWhere('dispatched_at IS NULL')
        .execute();
      await this.queue.enqueue(tenantId, ids, inFlight + 1);
      return ids.length;
    });
  }

  /**
   * One round over every tenant with waiting work, starting after the tenant that went first last
   * round, so no tenant is always served first. A tenant that fails does not stop the others.
   */
  async feedAll(): Promise<FeedRound> {
    const tenants = await this.tenantsWaiting();
    const round: FeedRound = { tenants: tenants.length, dispatched: 0, failedTenants: 0 };
    if (tenants.length === 0) return round;
    const start = Math.max(
      0,
      tenants.findIndex((id) => id > this.lastFirst),
    );
    this.lastFirst = tenants[start];
    let firstError: unknown;
    for (let k = 0; k < tenants.length; k++) {
      const tenantId = tenants[(start + k) % tenants.length];
      try {
        round.dispatched += await this.feedTenant(tenantId);
      } catch (error) {
        round.failedTenants++;
        firstError ??= error;
      }
    }
    if (round.failedTenants === tenants.length) throw firstError;
    if (round.failedTenants > 0) {
      this.logger.warn({ err: firstError, failedTenants: round.failedTenants }, 'could not feed some tenants');
    }
    return round;
  }

  /**
   * Asks for a feed of this tenant soon (an item of it finished, so a slot is free). Calls within
   * a few milliseconds are coalesced; errors are logged, the next feeder round retries anyway.
   */
  nudge(tenantId: string): void {
    if (this.nudges.has(tenantId)) return;
    const timer = setTimeout(() => {
      this.nudges.delete(tenantId);
      this.feedTenant(tenantId).catch((error: unknown) =>
        this.logger.warn({ err: error, tenantId }, 'could not feed the tenant after an item finished'),
      );
    }, NUDGE_DELAY_MS);
    timer.unref();
    this.nudges.set(tenantId, timer);
  }

  onModuleDestroy(): void {
    for (const timer of this.nudges.values()) clearTimeout(timer);
    this.nudges.clear();
  }

  /**
   * Tenants with undispatched queued items, by a skip scan over `items_feed_idx` (one index probe
   * per tenant, however many items wait). Cross-tenant by nature: it is how the feeder learns
   * which tenants to serve, and it reads tenant ids only; every item query is tenant-scoped.
   */
  private async tenantsWaiting(): Promise<string[]> {
    const rows: { tenant_id: string }[] = await this.dataSource.query(`
      WITH RECURSIVE waiting AS (
        (SELECT tenant_id FROM items
          WHERE status = 'queued' AND dispatched_at IS NULL ORDER BY tenant_id LIMIT 1)
        UNION ALL
        SELECT (SELECT i.tenant_id FROM items i
                 WHERE i.status = 'queued' AND i.dispatched_at IS NULL AND i.tenant_id > w.tenant_id
                 ORDER BY i.tenant_id LIMIT 1)
          FROM waiting w WHERE w.tenant_id IS NOT NULL
      )
      SELECT tenant_id FROM waiting WHERE tenant_id IS NOT NULL`);
    return rows.map((row) => row.tenant_id);
  }
}
