import { Injectable } from '@nestjs/common';
import { firstOccurrences, perGroup, tickBatcher } from '@conduit/common';
import { BatchRepository, ItemEntity, TenantScope, type ItemStatus } from '@conduit/db';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher';

export type ItemCounts = Record<ItemStatus, number> & { total: number };

/** Counts of a batch with no items in any state. */
export function emptyCounts(): ItemCounts {
  return { total: 0, queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
}

/** Batch counts are derived from the items, so a duplicate job can never count an item twice. */
@Injectable()
export class BatchProgress {
  // Items that finish together check their batches together: one statement per tenant and turn.
  private readonly completions = tickBatcher<BatchRef, boolean>(
    perGroup(
      (ref) => ref.tenantId,
      async (tenantId, refs) => {
        const closed = await this.batches.closeIfDone(tenantId, [...new Set(refs.map((ref) => ref.batchId))]);
        // Several callers may ask about one batch: only the first is told it closed it.
        const first = firstOccurrences(refs, (ref) => ref.batchId);
        return refs.map((ref, i) => first[i] && closed.has(ref.batchId));
      },
    ),
  );

  constructor(
    private readonly scope: TenantScope,
    private readonly batches: BatchRepository,
    private readonly webhooks: WebhookDispatcher,
  ) {}

  async counts(tenantId: string, batchId: string): Promise<ItemCounts> {
    return (await this.countsFor(tenantId, [batchId])).get(batchId) ?? emptyCounts();
  }

  /** Counts of several batches in one query. */
  async countsFor(tenantId: string, batchIds: string[]): Promise<Map<string, ItemCounts>> {
    const byBatch = new Map<string, ItemCounts>();
    if (batchIds.length === 0) return byBatch;
    const rows = await this.scope
      .repository(ItemEntity, tenantId)
      .queryBuilder('i')
      .select('i.batch_id', 'batch_id')
      .addSelect('i.status', 'status')
      .addSelect('count(*)::int', 'count')
      .andWhere('i.batch_id IN (:...batchIds)', { batchIds })
      .groupBy('i.batch_id')
      .addGroupBy('i.status')
      .getRawMany<{ batch_id: string; status: ItemStatus; count: number }>();
    for (const { batch_id: batchId, status, count } of rows) {
      const counts = byBatch.get(batchId) ?? emptyCounts();
      counts[status] = count;
      counts.total += count;
      byBatch.set(batchId, counts);
    }
    return byBatch;
  }

  /**
   * Closes the batch once no item is queued or running. One conditional statement, so when the
   * last two items finish together exactly one caller closes it (and would deliver its webhook).
   */
  async completeIfDone(tenantId: string, batchId: string): Promise<boolean> {
    const closed = await this.completions.load({ tenantId, batchId });
    if (closed) await this.webhooks.batchClosed(tenantId, batchId); // never throws
    return closed;
  }
}

interface BatchRef {
  tenantId: string;
  batchId: string;
}
