import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { deferred, type Deferred } from '@conduit/common';
import { AppConfig } from '@conduit/config';
import { BatchEntity, BatchRepository, TenantScope } from '@conduit/db';
import { DataSource, type EntityManager } from 'typeorm';
import { ItemQueue } from '../item-queue';
import { DISPATCHED_OPEN_ITEM, OPEN_BATCH } from './dispatch-cursor';

/** Advisory lock class (first key) for "feeding tenant X"; the second key is a hash of the tenant id. */
const FEED_LOCK_CLASS = 0x66656564; // "feed"
/** How long a feed waits for another feed of the same tenant to finish. */
const LOCK_WAIT_MS = 2_000;
/** A nudge waits this long so that many items finishing together cost one feed. */
const NUDGE_DELAY_MS = 100;

/** Positions `from` (inclusive) to `until` (exclusive) of a batch, to hand to BullMQ. */
interface Slice {
  batchId: string;
  from: number;
  until: number;
}

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
  /** Tenants being fed by this process, each with the answer its next feed owes its callers. */
  private readonly feeding = new Map<string, { next?: Deferred<number> }>();
  /** By tenant, then batch: the lowest position that was still open at the last count. */
  private readonly lowestOpen = new Map<string, Map<string, number>>();
  private lastFirst = '';
  private stopped = false;

  constructor(
    private readonly scope: TenantScope,
    private readonly batches: BatchRepository,
    private readonly dataSource: DataSource,
    private readonly queue: ItemQueue,
    private readonly config: AppConfig,
  ) {}

  /**
   * Tops up one tenant: its oldest undispatched items, up to the bound, are handed to BullMQ and
   * their batches' dispatch cursors moved past them, in one transaction that commits only after
   * the add. So a cursor covers only items whose job was added: a crash or a failed add leaves it
   * where it was (the transaction rolls back), and the next feed adds them again (a no-op for any
   * job that made it). Returns how many were dispatched.
   */
  async feedTenant(tenantId: string): Promise<number> {
    return this.scope.transaction(async (manager) => {
      // Feeds of one tenant run one at a time, or two could both fill the same free slots.
      // Bounded wait: a feed stuck on an unreachable Redis must not pile up the others.
      await manager.query(`SET LOCAL lock_timeout = '${LOCK_WAIT_MS}ms'`);
      await manager.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [FEED_LOCK_CLASS, tenantId]);
      const inFlight = await this.inFlight(manager, tenantId);
      const room = this.config.scheduling.tenantInFlight - inFlight;
      if (room <= 0) return 0;
      const slices = await this.nextSlices(manager, tenantId, room);
      if (slices.length === 0) return 0;
      const ids = await this.itemsIn(manager, tenantId, slices);
      // Moved in this transaction, which commits only after the add.
      await this.batches.moveDispatchCursors(
        tenantId,
        slices.map((slice) => ({ batchId: slice.batchId, dispatchedBelow: slice.until })),
        manager,
      );
      await this.queue.enqueue(tenantId, ids, inFlight + 1);
      return ids.length;
    });
  }

  /**
   * The tenant's dispatched open items: those of its open batches below the batch's cursor. Each
   * count also learns, per batch, the lowest position still open: every item below it is finished
   * for good (a finished item never opens again), so the next count starts there instead of reading the
   * whole batch again. The hints live in this process only; without one a count starts at 0.
   */
  private async inFlight(manager: EntityManager, tenantId: string): Promise<number> {
    const hints = this.lowestOpen.get(tenantId) ?? new Map<string, number>();
    const rows: { id: string; n: number; lowest: number }[] = await manager.query(
      `SELECT b.id, count(i.id)::int AS n, coalesce(min(i.position), b.dispatched_below) AS lowest
         FROM batches b
         LEFT JOIN unnest($2::uuid[], $3::int[]) AS h(batch_id, low) ON h.batch_id = b.id
         LEFT JOIN items i ON ${DISPATCHED_OPEN_ITEM} AND i.position >= coalesce(h.low, 0)
        WHERE b.tenant_id = $1 AND ${OPEN_BATCH}
        GROUP BY b.id`,
      [tenantId, [...hints.keys()], [...hints.values()]],
    );
    // Only the open batches keep a hint: a closed one is never counted again.
    if (rows.length > 0) this.lowestOpen.set(tenantId, new Map(rows.map((row) => [row.id, row.lowest])));
    else this.lowestOpen.delete(tenantId);
    return rows.reduce((sum, row) => sum + row.n, 0);
  }

  /**
   * Which positions to hand over next, up to `room` items: the tenant's waiting batches oldest
   * first, each from its cursor. Every item of an `in_progress` batch from its cursor on is still
   * `queued` (only dispatched items run, and a cancel makes the batch `cancelling`), so a batch
   * has `item_count - dispatched_below` waiting and the slices can be cut without reading items.
   */
  private async nextSlices(manager: EntityManager, tenantId: string, room: number): Promise<Slice[]> {
    const waiting = await this.scope
      .repository(BatchEntity, tenantId, manager)
      .queryBuilder('b')
      .select(['b.id', 'b.dispatchedBelow', 'b.itemCount'])
      .andWhere(`b.status = 'in_progress'`)
      .andWhere('b.dispatched_below < b.item_count')
      .orderBy('b.created_at')
      .addOrderBy('b.id')
      .limit(room)
      .getMany();
    const slices: Slice[] = [];
    for (const batch of waiting) {
      if (room <= 0) break;
      const take = Math.min(batch.itemCount - batch.dispatchedBelow, room);
      slices.push({ batchId: batch.id, from: batch.dispatchedBelow, until: batch.dispatchedBelow + take });
      room -= take;
    }
    return slices;
  }

  /** The ids of the queued items in the slices, in slice and position order. */
  private async itemsIn(manager: EntityManager, tenantId: string, slices: Slice[]): Promise<string[]> {
    const rows: { id: string }[] = await manager.query(
      `SELECT i.id
         FROM unnest($2::uuid[], $3::int[], $4::int[]) WITH ORDINALITY AS s(batch_id, first, until, n)
         JOIN items i ON i.batch_id = s.batch_id AND i.position >= s.first AND i.position < s.until
        WHERE i.tenant_id = $1 AND i.status = 'queued'
        ORDER BY s.n, i.position`,
      [tenantId, slices.map((s) => s.batchId), slices.map((s) => s.from), slices.map((s) => s.until)],
    );
    return rows.map((row) => row.id);
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
        round.dispatched += await this.feed(tenantId);
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
    if (this.stopped || this.nudges.has(tenantId)) return;
    const timer = setTimeout(() => {
      this.nudges.delete(tenantId);
      this.feed(tenantId).catch((error: unknown) =>
        this.logger.warn({ err: error, tenantId }, 'could not feed the tenant after an item finished'),
      );
    }, NUDGE_DELAY_MS);
    timer.unref();
    this.nudges.set(tenantId, timer);
  }

  /**
   * Feeds the tenant, one feed at a time in this process (nudges, rounds and uploads alike): asked
   * while a feed of the tenant runs, it waits for one more feed right after that one, shared with
   * everyone else who asked meanwhile. A second feed beside the first would only wait for its lock,
   * holding a pooled connection. Answers how many items the feed dispatched.
   */
  feed(tenantId: string): Promise<number> {
    const running = this.feeding.get(tenantId);
    if (running) return (running.next ??= deferred<number>()).promise;
    const first = deferred<number>();
    const loop = { next: first };
    this.feeding.set(tenantId, loop);
    void this.feedInTurn(tenantId, loop);
    return first.promise;
  }

  private async feedInTurn(tenantId: string, loop: { next?: Deferred<number> }): Promise<void> {
    try {
      for (let feed = loop.next; feed; feed = loop.next) {
        loop.next = undefined;
        await this.feedTenant(tenantId).then(feed.resolve, feed.reject);
      }
    } finally {
      this.feeding.delete(tenantId);
    }
  }

  onModuleDestroy(): void {
    // Runs still finishing while the worker stops must not start feeds: the next worker feeds.
    this.stopped = true;
    for (const timer of this.nudges.values()) clearTimeout(timer);
    this.nudges.clear();
  }

  /**
   * Tenants with undispatched items, by a skip scan over `batches_open_idx` (one index probe per
   * tenant, however many batches wait). Cross-tenant by nature: it is how the feeder learns which
   * tenants to serve, and it reads tenant ids only; every item query is tenant-scoped.
   */
  private async tenantsWaiting(): Promise<string[]> {
    const rows: { tenant_id: string }[] = await this.dataSource.query(`
      WITH RECURSIVE waiting AS (
        (SELECT tenant_id FROM batches
          WHERE status = 'in_progress' AND dispatched_below < item_count ORDER BY tenant_id LIMIT 1)
        UNION ALL
        SELECT (SELECT b.tenant_id FROM batches b
                 WHERE b.status = 'in_progress' AND b.dispatched_below < b.item_count AND b.tenant_id > w.tenant_id
                 ORDER BY b.tenant_id LIMIT 1)
          FROM waiting w WHERE w.tenant_id IS NOT NULL
      )
      SELECT tenant_id FROM waiting WHERE tenant_id IS NOT NULL`);
    return rows.map((row) => row.tenant_id);
  }
}
