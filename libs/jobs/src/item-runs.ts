import { Injectable } from '@nestjs/common';
import { firstOccurrences, perGroup, tickBatcher } from '@conduit/common';
import { ATTEMPT_COMPLETION_COLUMNS, type AttemptCompletion } from '@conduit/accounting';
import { AttemptEntity, ItemEntity, TenantScope } from '@conduit/db';

export interface ItemRef {
  tenantId: string;
  itemId: string;
}

/** What a run writes when it finishes an item. */
export type ItemEnd = Pick<ItemEntity, 'status' | 'result' | 'error' | 'connectionId' | 'model' | 'policyVersion'>;

const END_COLUMNS = ['status', 'result', 'error', 'connectionId', 'model', 'policyVersion', 'completedAt'] as const;

const tenantOf = <T extends ItemRef>(ref: T) => ref.tenantId;

/**
 * An item a run may claim. `running` stays claimable: a worker that crashed mid-call leaves it so,
 * and its job is retried. Written so that no index serves it (`IS TRUE`): with statistics older
 * than the batch the planner would otherwise also walk the open items' index, which holds an entry
 * for every item finished since the last vacuum, instead of only probing the primary key.
 */
const CLAIMABLE = `(status IN ('queued', 'running')) IS TRUE`;

/**
 * The worker's writes to items: claim before a run, the conditional finish after. Runs that claim
 * or finish together share one statement per tenant (`tickBatcher`): a worker with hundreds of jobs
 * in flight writes in batches, not row by row, and each item keeps its own exactly-once checks.
 */
@Injectable()
export class ItemRuns {
  private readonly claims = tickBatcher<ItemRef, ItemEntity | null>(
    perGroup(tenantOf, async (tenantId, refs) => {
      const items = this.scope.repository(ItemEntity, tenantId);
      // `id = ANY(:ids)` outside the locking subquery too: the planner then probes the primary key.
      const claimed = await items.updateReturning(
        items
          .updateQuery({ status: 'running', startedAt: () => 'now()' })
          .andWhere('id = ANY(:ids)', { ids: refs.map((ref) => ref.itemId) })
          .andWhere(items.inIdOrder(`id = ANY(:ids) AND ${CLAIMABLE}`))
          .andWhere(CLAIMABLE),
      );
      const byId = new Map(claimed.map((row) => [row.id, row]));
      return refs.map((ref) => byId.get(ref.itemId) ?? null);
    }),
  );

  private readonly ends = tickBatcher<ItemRef & ItemEnd & { attempt?: AttemptCompletion }, boolean>(
    perGroup(tenantOf, async (tenantId, ends) => {
      // One result per item: if two runs of an item finish in the same batch, the first one wins here.
      const first = firstOccurrences(ends, (end) => end.itemId);
      const completedAt = new Date();
      const attempts = ends.flatMap((end) => (end.attempt ? [end.attempt] : []));
      const finished = await this.scope.repository(ItemEntity, tenantId).updateEach(
        ends
          .filter((_, i) => first[i])
          .map(({ itemId, tenantId: _, attempt: __, ...end }) => ({ id: itemId, ...end, completedAt })),
        [...END_COLUMNS],
        `t.status = 'running'`,
        // Every answering call is completed, whether or not its result is the one kept.
        {
          repository: this.scope.repository(AttemptEntity, tenantId),
          rows: attempts,
          set: [...ATTEMPT_COMPLETION_COLUMNS],
        },
      );
      return ends.map((end, i) => first[i] && finished.has(end.itemId));
    }),
  );

  constructor(private readonly scope: TenantScope) {}

  /** Marks the item running and returns it; null when it is finished, cancelled or gone. */
  claim(ref: ItemRef): Promise<ItemEntity | null> {
    return this.claims.load(ref);
  }

  /**
   * Writes the outcome if the item is still running; false when another run finished it first.
   * `attempt`, the completion of the call that answered, is written in the same statement either way.
   */
  finish(ref: ItemRef, end: ItemEnd, attempt?: AttemptCompletion): Promise<boolean> {
    return this.ends.load({ ...ref, ...end, attempt });
  }
}
