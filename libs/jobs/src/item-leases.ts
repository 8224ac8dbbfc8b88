import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { perGroup } from '@conduit/common';
import { AppConfig } from '@conduit/config';
import { ItemRepository, type Lease } from '@conduit/db';
import type { ItemRef } from './item-runs';

/**
 * The leases of the items this process is running. A claim leases an item to this process (its
 * `owner` id) for `WORKER_LOCK_MS`, as BullMQ locks the item's job for that long, and this process
 * renews the leases of its runs every third of that while they run. So a running item whose worker
 * is alive always has a live lease, and no other run may claim it (`ItemRuns.claim`); once the
 * worker dies its leases run out with its job locks, and the item can run again elsewhere.
 */
@Injectable()
export class ItemLeases implements OnApplicationShutdown {
  private readonly logger = new Logger(ItemLeases.name);
  /** The lease this process's claims take: this process as the owner, for WORKER_LOCK_MS. */
  readonly lease: Lease;
  /** Item id → tenant id of the items this process's runs hold now. */
  private readonly held = new Map<string, string>();
  private timer?: NodeJS.Timeout;

  private readonly renewAll = perGroup<[string, string], void>(
    ([, tenantId]) => tenantId,
    async (tenantId, items) => {
      await this.items.renewLeases(
        tenantId,
        items.map(([itemId]) => itemId),
        this.lease,
      );
      return items.map(() => undefined);
    },
  );

  constructor(
    private readonly items: ItemRepository,
    config: AppConfig,
  ) {
    this.lease = { owner: randomUUID(), ms: config.worker.lockMs };
  }

  /** Whether a run of this process holds the item now. */
  holds(itemId: string): boolean {
    return this.held.has(itemId);
  }

  /** A run of this process claimed the item: renew its lease while it runs. */
  hold({ tenantId, itemId }: ItemRef): void {
    this.held.set(itemId, tenantId);
    this.timer ??= setInterval(() => void this.renew(), Math.max(1, Math.floor(this.lease.ms / 3))).unref();
  }

  /** The run ended: its lease is no longer renewed. */
  letGo(itemId: string): void {
    this.held.delete(itemId);
    if (this.held.size === 0) this.stopRenewing();
  }

  onApplicationShutdown(): void {
    this.stopRenewing();
  }

  private stopRenewing(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One statement per tenant. A failure is logged: the next renewal comes well before the leases end. */
  private async renew(): Promise<void> {
    const results = await this.renewAll([...this.held]);
    const failed = results.find((result) => result instanceof Error);
    if (failed) this.logger.warn({ err: failed }, 'could not renew the leases of running items');
  }
}
