import { Injectable } from '@nestjs/common';
import { firstOccurrences, perGroup, tickBatcher } from '@conduit/common';
import { ATTEMPT_COMPLETION_COLUMNS, type AttemptCompletion } from '@conduit/accounting';
import { AttemptEntity, ItemEntity, TenantScope, type ItemError } from '@conduit/db';
import { ItemLeases } from './item-leases';

export interface ItemRef {
  tenantId: string;
  itemId: string;
}

/** What a run writes when it finishes an item. */
export type ItemEnd = Pick<ItemEntity, 'status' | 'result' | 'error' | 'connectionId' | 'model' | 'policyVersion'>;

/** What a claim found: the item, now this process's to run; or held by a live run elsewhere; or finished or gone. */
export type Claim = { item: ItemEntity } | { heldForMs: number } | null;

const END_COLUMNS = ['status', 'result', 'error', 'connectionId', 'model', 'policyVersion', 'completedAt'] as const;

const tenantOf = <T extends ItemRef>(ref: T) => ref.tenantId;

/**
 * An item a run may claim: queued, or running without a live lease (its run died, or gave it up).
 * Written so that no index serves it (`IS TRUE`): with statistics older than the batch the planner
 * would otherwise also walk the open items' index, which holds an entry for every item finished
 * since the last vacuum, instead of only probing the primary key.
 */
const CLAIMABLE = `(status = 'queued' OR (status = 'running' AND (lease_until IS NULL OR lease_until < now()))) IS TRUE`;

/**
 * The worker's writes to items: the claim before a run, the conditional finish after, and giving an
 * item back. Runs that claim or finish together share one statement per tenant (`tickBatcher`): a
 * worker with hundreds of jobs in flight writes in batches, not row by row, and each item keeps its
 * own exactly-once checks. A claim leases the item to this process (`ItemLeases`); only the lease
 * holder finishes it or gives it back.
 */
@Injectable()
export class ItemRuns {
  private readonly claims = tickBatcher<ItemRef, Claim>(
    perGroup(tenantOf, async (tenantId, refs) => {
      const items = this.scope.repository(ItemEntity, tenantId);
      const ids = refs.map((ref) => ref.itemId);
      // `id = ANY(:ids)` outside the locking subquery too: the planner then probes the primary key.
      const claimed = await items.updateReturning(
        items
          .updateQuery({
            status: 'running',
            startedAt: () => 'now()',
            leaseOwner: this.leases.owner,
            leaseUntil: () => this.leases.leaseEnd,
            runs: () => 'runs + 1',
            // Still running without a live lease: the run before this one was cut short.
            interruptedRuns: () => `interrupted_runs + (status = 'running')::int`,
          })
          .andWhere('id = ANY(:ids)', { ids })
          .andWhere(items.inIdOrder(`id = ANY(:ids) AND ${CLAIMABLE}`))
          .andWhere(CLAIMABLE),
      );
      const byId = new Map<string, Claim>(claimed.map((item) => [item.id, { item }]));
      // Two jobs of one item claiming together: the first one runs it, the other waits for its lease.
      const first = firstOccurrences(refs, (ref) => ref.itemId);
      if (byId.size < refs.length) {
        // Rare (a duplicate job, or one re-run while its lease is still live): why was it refused?
        const held = await items
          .queryBuilder('i')
          .select('i.id', 'id')
          .addSelect(`ceil(extract(epoch FROM i.lease_until - now()) * 1000)::int`, 'held_for_ms')
          .andWhere('i.id = ANY(:ids)', { ids: ids.filter((id) => !byId.has(id)) })
          .andWhere(`i.status = 'running' AND i.lease_until >= now()`)
          .getRawMany<{ id: string; held_for_ms: number }>();
        for (const row of held) byId.set(row.id, { heldForMs: row.held_for_ms });
      }
      return refs.map((ref, i) => (first[i] ? (byId.get(ref.itemId) ?? null) : { heldForMs: this.leases.leaseMs }));
    }),
  );

  private readonly ends = tickBatcher<ItemRef & ItemEnd & { attempt?: AttemptCompletion }, boolean>(
    perGroup(tenantOf, async (tenantId, ends) => {
      // One result per item: if two runs of an item finish in the same batch, the first one wins here.
      const first = firstOccurrences(ends, (end) => end.itemId);
      const completedAt = new Date();
      const attempts = ends.flatMap((end) => (end.attempt ? [end.attempt] : []));
      const items = this.scope.repository(ItemEntity, tenantId);
      const finished = await items.updateEach(
        ends
          .filter((_, i) => first[i])
          .map(({ itemId, tenantId: _, attempt: __, ...end }) => ({ id: itemId, ...end, completedAt })),
        [...END_COLUMNS],
        `t.status = 'running' AND t.lease_owner = '${this.leases.owner}'`,
        // Every answering call is completed, whether or not its result is the one kept.
        {
          repository: this.scope.repository(AttemptEntity, tenantId),
          rows: attempts,
          set: [...ATTEMPT_COMPLETION_COLUMNS],
        },
      );
      const missed = ends.filter((end, i) => first[i] && !finished.has(end.itemId)).map((end) => end.itemId);
      if (missed.length > 0) {
        // Finished already under this process's lease: a finish sent again after its connection broke
        // on the answer, which Postgres had committed. No other run of this process can hold the item.
        const ours = await items
          .queryBuilder('i')
          .select('i.id', 'id')
          .andWhere('i.id = ANY(:missed)', { missed })
          .andWhere(`i.status IN ('succeeded', 'failed') AND i.lease_owner = :owner`, { owner: this.leases.owner })
          .getRawMany<{ id: string }>();
        for (const row of ours) finished.add(row.id);
      }
      return ends.map((end, i) => first[i] && finished.has(end.itemId));
    }),
  );

  constructor(
    private readonly scope: TenantScope,
    private readonly leases: ItemLeases,
  ) {}

  /** Marks the item running, leased to this process, and returns it; or says why it cannot run now. */
  claim(ref: ItemRef): Promise<Claim> {
    return this.claims.load(ref);
  }

  /**
   * Writes the outcome if this process still holds the item; false when it does not (another run
   * finished it, or took it over). `attempt`, the completion of the call that answered, is written
   * in the same statement either way.
   */
  finish(ref: ItemRef, end: ItemEnd, attempt?: AttemptCompletion): Promise<boolean> {
    return this.ends.load({ ...ref, ...end, attempt });
  }

  /**
   * Puts the item back in line (`queued`, no lease): its run ended without an outcome on purpose
   * (it waits for a target, or its worker is stopping). False if this process no longer held it.
   */
  async giveBack({ tenantId, itemId }: ItemRef): Promise<boolean> {
    const changed = await this.scope
      .repository(ItemEntity, tenantId)
      .update(
        { id: itemId, status: 'running', leaseOwner: this.leases.owner },
        { status: 'queued', leaseOwner: null, leaseUntil: null },
      );
    return changed === 1;
  }

  /**
   * A run that failed unexpectedly lets go of its item at once (another run may claim it without
   * waiting for the lease to run out) and leaves its error on it, for whoever looks at the item.
   */
  async abandon({ tenantId, itemId }: ItemRef, error: ItemError): Promise<void> {
    await this.scope
      .repository(ItemEntity, tenantId)
      .update({ id: itemId, status: 'running', leaseOwner: this.leases.owner }, { leaseUntil: null, error });
  }
}
