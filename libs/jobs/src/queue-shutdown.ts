import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { withTimeout } from '@conduit/common';
import type { Queue } from 'bullmq';
import { ITEMS_QUEUE, WEBHOOKS_QUEUE } from './job-catalogue';

/** Long enough for a reachable Redis to answer; an unreachable one cannot be waited out. */
const SETTLE_MS = 5_000;

/**
 * Waits, at most a few seconds, for BullMQ queues and workers to finish connecting, so that
 * they can then be closed. BullMQ 5 closes a connection that is still connecting by dropping it.
 * The dropped connection then emits an 'error' that nobody listens to any more, and a process
 * stopped right after it started dies of an unhandled rejection (taskforcesh/bullmq#3546,
 * fixed in BullMQ 6).
 */
export async function settleBeforeClose(clients: Array<{ waitUntilReady(): Promise<unknown> }>): Promise<void> {
  const ready = Promise.all(clients.map((client) => client.waitUntilReady().catch(() => undefined)));
  await withTimeout(ready, SETTLE_MS, () => undefined);
}

/** Runs before @nestjs/bullmq closes the registered queues on application shutdown. */
@Injectable()
export class QueueShutdown implements BeforeApplicationShutdown {
  private readonly queues: Queue[];

  constructor(@InjectQueue(ITEMS_QUEUE) items: Queue, @InjectQueue(WEBHOOKS_QUEUE) webhooks: Queue) {
    this.queues = [items, webhooks];
  }

  beforeApplicationShutdown(): Promise<void> {
    return settleBeforeClose(this.queues);
  }
}
