import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { ITEMS_QUEUE, JobName, parseJobData } from './job-catalogue';

/** Hands items to BullMQ. The job id is the item id, so an item is never queued twice at once. */
@Injectable()
export class ItemQueue {
  constructor(@InjectQueue(ITEMS_QUEUE) private readonly queue: Queue) {}

  async enqueue(tenantId: string, itemIds: string[]): Promise<void> {
    const jobs = itemIds.map((itemId) => ({
      name: JobName.RunItem,
      data: parseJobData(JobName.RunItem, { tenantId, itemId }),
      opts: { jobId: itemId },
    }));
    for (let i = 0; i < jobs.length; i += 1_000) await this.queue.addBulk(jobs.slice(i, i + 1_000));
  }
}
