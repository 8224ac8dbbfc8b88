import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { withTimeout } from '@conduit/common';
import type { Queue } from 'bullmq';
import { ITEMS_QUEUE, JobName, parseJobData } from './job-catalogue';

const ADD_CHUNK = 1_000;
const ADD_TIMEOUT_MS = 3_000;
/** BullMQ's largest priority (the lowest rank). */
const MAX_PRIORITY = 2 ** 21;

/** An item's job in BullMQ: still to run or running, done (completed or failed), or not there at all. */
type ItemJobState = 'live' | 'finished' | 'missing';

/**
 * The one place that talks to BullMQ about items. The job id is the item id, so an item is never
 * queued twice at once (adding an id that is already there changes nothing).
 */
@Injectable()
export class ItemQueue {
  constructor(@InjectQueue(ITEMS_QUEUE) private readonly queue: Queue) {}

  /**
   * Adds the items' jobs in chunks, the first with priority `firstPriority`, each next one a step
   * later (see `ItemFeeder` for why). Throws if a chunk fails or takes longer than `timeoutMs`:
   * Redis commands wait rather than fail while Redis is unreachable, and callers must not wait
   * for an outage to end. A chunk that timed out may still be added later; that is harmless.
   */
  async enqueue(tenantId: string, itemIds: string[], firstPriority: number, timeoutMs = ADD_TIMEOUT_MS): Promise<void> {
    const jobs = itemIds.map((itemId, i) => ({
      name: JobName.RunItem,
      data: parseJobData(JobName.RunItem, { tenantId, itemId }),
      opts: { jobId: itemId, priority: Math.min(firstPriority + i, MAX_PRIORITY) },
    }));
    for (let start = 0; start < jobs.length; start += ADD_CHUNK) {
      await withTimeout(this.queue.addBulk(jobs.slice(start, start + ADD_CHUNK)), timeoutMs, () => {
        throw new Error(`adding jobs to BullMQ took longer than ${timeoutMs} ms`);
      });
    }
  }

  /**
   * Where each item's job is, from its job hash only (O(1) per id, no scan of any list):
   * `live` (waiting, active, delayed or prioritized), `finished` (completed or failed for good:
   * BullMQ sets `finishedOn` only then, and clears it when a job is retried) or `missing`.
   */
  async states(itemIds: string[]): Promise<Map<string, ItemJobState>> {
    const states = new Map<string, ItemJobState>();
    if (itemIds.length === 0) return states;
    const client = await this.queue.client;
    // Sent back to back on one connection, so this costs about one round trip.
    const replies = await Promise.all(itemIds.map((id) => client.hmget(this.queue.toKey(id), 'name', 'finishedOn')));
    itemIds.forEach((id, i) => {
      const [name, finishedOn] = replies[i];
      states.set(id, name === null ? 'missing' : finishedOn !== null ? 'finished' : 'live');
    });
    return states;
  }

  /** Removes a finished leftover job, so the same job id can be added again. True if it is gone. */
  async removeFinished(itemId: string): Promise<boolean> {
    return (await this.queue.remove(itemId)) === 1;
  }
}
