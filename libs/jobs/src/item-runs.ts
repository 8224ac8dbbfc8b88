import { Injectable } from '@nestjs/common';
import { firstOccurrences, perGroup, tickBatcher } from '@conduit/common';
import { ItemRepository, type AttemptCompletion, type ClaimedItem, type ItemEntity, type ItemError } from '@conduit/db';
import { ItemLeases } from './item-leases';

export interface ItemRef {
  tenantId: string;
  itemId: string;
}

/** What a run writes when it finishes an item. */
export type ItemEnd = Pick<ItemEntity, 'status' | 'result' | 'error' | 'connectionId' | 'model' | 'policyVersion'>;

/** What a claim found: the item, now this process's to run; or held by a live run elsewhere; or finished or gone. */
export type Claim = { item: ClaimedItem } | { heldForMs: number } | null;

const tenantOf = <T extends ItemRef>(ref: T) => ref.tenantId;

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
      const ids = refs.map((ref) => ref.itemId);
      const claimed = await this.items.claim(tenantId, ids, this.leases.lease);
      const byId = new Map<string, Claim>(claimed.map((item) => [item.id, { item }]));
      if (byId.size < refs.length) {
        // Rare (a duplicate job, or one run again while its lease is live): why was it refused?
        const leased = await this.items.leasedFor(
          tenantId,
          ids.filter((id) => !byId.has(id)),
        );
        for (const [id, heldForMs] of leased) byId.set(id, { heldForMs });
      }
      // Two jobs of one item claiming together: the first one runs it, the other waits for its lease.
      const first = firstOccurrences(refs, (ref) => ref.itemId);
      return refs.map((ref, i) => (first[i] ? (byId.get(ref.itemId) ?? null) : { heldForMs: this.leases.lease.ms }));
    }),
  );

  private readonly ends = tickBatcher<ItemRef & ItemEnd & { attempt?: AttemptCompletion }, boolean>(
    perGroup(tenantOf, async (tenantId, ends) => {
      const { owner } = this.leases.lease;
      // One result per item: if two runs of an item finish in the same batch, the first one wins here.
      const first = firstOccurrences(ends, (end) => end.itemId);
      const outcomes = ends
        .filter((_, i) => first[i])
        .map(({ itemId, tenantId: _, attempt: __, ...end }) => ({ id: itemId, ...end }));
      // Every answering call is completed, whether or not its result is the one kept.
      const completions = ends.flatMap((end) => (end.attempt ? [end.attempt] : []));
      const finished = await this.items.finish(tenantId, owner, outcomes, completions);
      const missed = outcomes.filter((outcome) => !finished.has(outcome.id)).map((outcome) => outcome.id);
      if (missed.length > 0) {
        // Finished already under this process's lease: a finish sent again after its connection broke
        // on the answer, which Postgres had committed. No other run of this process can hold the item.
        for (const id of await this.items.finishedUnder(tenantId, missed, owner)) finished.add(id);
      }
      return ends.map((end, i) => first[i] && finished.has(end.itemId));
    }),
  );

  constructor(
    private readonly items: ItemRepository,
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
  giveBack({ tenantId, itemId }: ItemRef): Promise<boolean> {
    return this.items.giveBack(tenantId, itemId, this.leases.lease.owner);
  }

  /**
   * A run that failed unexpectedly lets go of its item at once (another run may claim it without
   * waiting for the lease to run out) and leaves its error on it, for whoever looks at the item.
   */
  abandon({ tenantId, itemId }: ItemRef, error: ItemError): Promise<void> {
    return this.items.abandon(tenantId, itemId, this.leases.lease.owner, error);
  }
}
