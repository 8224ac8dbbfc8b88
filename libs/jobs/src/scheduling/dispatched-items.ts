import { BatchEntity, ItemEntity, type TenantScope } from '@conduit/db';
import type { EntityManager, SelectQueryBuilder } from 'typeorm';

/** Batches whose items may still run (a cancelling batch's running items finish). */
export const OPEN_BATCH = `b.status IN ('in_progress', 'cancelling')`;

/**
 * A tenant's open items that Postgres says are in BullMQ: those of its open batches below the
 * batch's dispatch cursor (`b.dispatched_below`), joined as `i`. The feeder counts them against
 * the tenant's bound; the reconciler checks that each still has its job.
 */
export function dispatchedOpenItems(
  scope: TenantScope,
  tenantId: string,
  manager?: EntityManager,
): SelectQueryBuilder<BatchEntity> {
  return scope
    .repository(BatchEntity, tenantId, manager)
    .queryBuilder('b')
    .innerJoin(
      ItemEntity,
      'i',
      `i.batch_id = b.id AND i.position < b.dispatched_below AND i.status IN ('queued', 'running')`,
    )
    .andWhere(OPEN_BATCH);
}
