import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { perGroup } from '@conduit/common';
import { AppConfig } from '@conduit/config';
import { ItemEntity, TenantScope } from '@conduit/db';
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
  /** This process, as the owner of the items its runs hold. */
  readonly owner = randomUUID();
  readonly leaseMs: number;
  /** Item id → tenant id of the items this process's runs hold now. */
  private readonly held = new Map<string, string>();
  private timer?: NodeJS.Timeout;

  private readonly renewAll = perGroup<[string, string], void>(
    ([, tenantId]) => tenantId,
    async (tenantId, items) => {
      await this.scope
        .repository(ItemEntity, tenantId)
        .updateQuery({ leaseUntil: () => this.leaseEnd })
        .andWhere('id = ANY(:ids)', { ids: items.map(([itemId]) => itemId) })
        .andWhere(`status = 'running' AND lease_owner = :owner`, { owner: this.owner })
        .execute();
      return items.map(() => undefined);
    },
  );

  constructor(
    private readonly scope: TenantScope,
    config: AppConfig,
  ) {
    this.leaseMs = config.worker.lockMs;
  }

  /** SQL for the end of a lease taken or renewed now. */
  get leaseEnd(): string {
    return `now() + interval '${this.leaseMs} milliseconds'`;
  }

  /** Whether a run of this process holds the item now. */
  holds(itemId: string): boolean {
    return this.held.has(itemId);
  }

  /** A run of this process claimed the item: renew its lease while it runs. */
  hold({ tenantId, itemId }: ItemRef): void {
    this.held.set(itemId, tenantId);
    this.timer ??= setInterval(() => void this.renew(), Math.max(1, Math.floor(this.leaseMs / 3))).unref();
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
