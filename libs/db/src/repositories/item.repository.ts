import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { ItemEntity, ItemError } from '../entities';
import { completeAttemptsSql, completionRecordset, type AttemptCompletion } from './attempt.repository';
import { updateReturning } from './returning';

/** What a run needs of the item it claimed. */
export type ClaimedItem = Pick<
  ItemEntity,
  'id' | 'tenantId' | 'batchId' | 'task' | 'input' | 'error' | 'createdAt' | 'runs' | 'interruptedRuns'
>;

/** The outcome a run writes to its item. */
export type ItemOutcome = Pick<
  ItemEntity,
  'id' | 'status' | 'result' | 'error' | 'connectionId' | 'model' | 'policyVersion'
>;

/** A lease on running items: the worker process that holds them, and for how long from now. */
export interface Lease {
  owner: string;
  ms: number;
}

/** An item that may run now: queued, or running without a live lease (its run died, or let it go). */
const RUNNABLE = `(status = 'queued' OR (status = 'running' AND (lease_until IS NULL OR lease_until < now())))`;

const LEASE_END = `now() + make_interval(secs => $4::float8 / 1000)`;

/**
 * The worker's SQL on `items`: claims, leases, finishes. Every statement is for one tenant
 * (`tenant_id = $1`); statements for many items take them in one array or JSON recordset parameter.
 * Statements that lock many item rows at once lock them in id order, so two of them wait for each
 * other but never deadlock (a deadlock would abort a whole batch of claims).
 */
@Injectable()
export class ItemRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Marks the runnable ones of `itemIds` running, leased to `lease.owner`, and returns them. A claim
   * that finds an item still running without a live lease counts its run as cut short.
   */
  claim(tenantId: string, itemIds: string[], lease: Lease): Promise<ClaimedItem[]> {
    return updateReturning(
      this.dataSource.manager,
      `UPDATE items
          SET status = 'running', started_at = now(), lease_owner = $3, lease_until = ${LEASE_END},
              runs = runs + 1, interrupted_runs = interrupted_runs + (status = 'running')::int
        WHERE id IN (SELECT id FROM items
                      WHERE tenant_id = $1 AND id = ANY($2::uuid[]) AND ${RUNNABLE}
                      ORDER BY id FOR UPDATE)
       RETURNING id, tenant_id AS "tenantId", batch_id AS "batchId", task, input, error, created_at AS "createdAt",
                 runs, interrupted_runs AS "interruptedRuns"`,
      [tenantId, itemIds, lease.owner, lease.ms],
    );
  }

  /** Of `itemIds`, those running under a live lease, and how long that lease has left. */
  async leasedFor(tenantId: string, itemIds: string[]): Promise<Map<string, number>> {
    const rows: { id: string; ms: number }[] = await this.dataSource.query(
      `SELECT id, ceil(extract(epoch FROM lease_until - now()) * 1000)::int AS ms
         FROM items WHERE tenant_id = $1 AND id = ANY($2::uuid[]) AND status = 'running' AND lease_until >= now()`,
      [tenantId, itemIds],
    );
    return new Map(rows.map((row) => [row.id, row.ms]));
  }

  /** Renews the leases `owner` holds on `itemIds`. */
  async renewLeases(tenantId: string, itemIds: string[], lease: Lease): Promise<void> {
    await this.dataSource.query(
      `UPDATE items SET lease_until = ${LEASE_END}
        WHERE tenant_id = $1 AND id = ANY($2::uuid[]) AND status = 'running' AND lease_owner = $3`,
      [tenantId, itemIds, lease.owner, lease.ms],
    );
  }

  /**
   * Writes the outcomes of items `owner` still holds, and in the same statement the completions of
   * their answering calls (whatever happens to the outcomes: the calls were made). Returns the ids
   * of the items written. The ids go as arrays beside the recordsets (see `completionRecordset`).
   */
  async finish(
    tenantId: string,
    owner: string,
    outcomes: ItemOutcome[],
    completions: AttemptCompletion[],
  ): Promise<Set<string>> {
    const recordset = outcomes.map((o) => ({
      id: o.id,
      status: o.status,
      result: o.result,
      error: o.error,
      connection_id: o.connectionId,
      model: o.model,
      policy_version: o.policyVersion,
    }));
    const rows = await updateReturning<{ id: string }>(
      this.dataSource.manager,
      `WITH completed AS (${completeAttemptsSql('$1', '$4', '$5')})
       UPDATE items i
          SET status = v.status, result = v.result, error = v.error, connection_id = v.connection_id,
              model = v.model, policy_version = v.policy_version, completed_at = now()
         FROM jsonb_to_recordset($2::jsonb) AS v(id uuid, status text, result jsonb, error jsonb,
                                                 connection_id uuid, model text, policy_version int)
        WHERE i.tenant_id = $1 AND i.id = ANY($6::uuid[]) AND i.id = v.id AND i.status = 'running'
          AND i.lease_owner = $3
       RETURNING i.id`,
      [
        tenantId,
        JSON.stringify(recordset),
        owner,
        completionRecordset(completions),
        completions.map((c) => c.id),
        outcomes.map((o) => o.id),
      ],
    );
    return new Set(rows.map((row) => row.id));
  }

  /** Of `itemIds`, those finished (succeeded or failed) under `owner`'s lease. */
  async finishedUnder(tenantId: string, itemIds: string[], owner: string): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM items
        WHERE tenant_id = $1 AND id = ANY($2::uuid[]) AND status IN ('succeeded', 'failed') AND lease_owner = $3`,
      [tenantId, itemIds, owner],
    );
    return rows.map((row) => row.id);
  }

  /** Puts an item `owner` holds back in line: queued, no lease. False if `owner` did not hold it. */
  async giveBack(tenantId: string, itemId: string, owner: string): Promise<boolean> {
    const rows = await updateReturning(
      this.dataSource.manager,
      `UPDATE items SET status = 'queued', lease_owner = NULL, lease_until = NULL
        WHERE tenant_id = $1 AND id = $2 AND status = 'running' AND lease_owner = $3
       RETURNING id`,
      [tenantId, itemId, owner],
    );
    return rows.length === 1;
  }

  /** Ends the lease `owner` holds on a running item at once, and leaves `error` on it. */
  async abandon(tenantId: string, itemId: string, owner: string, error: ItemError): Promise<void> {
    await this.dataSource.query(
      `UPDATE items SET lease_until = NULL, error = $4
        WHERE tenant_id = $1 AND id = $2 AND status = 'running' AND lease_owner = $3`,
      [tenantId, itemId, owner, JSON.stringify(error)],
    );
  }

  /** Of `itemIds`, those that may run now: queued, or running with no live lease. */
  async runnable(tenantId: string, itemIds: string[]): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM items WHERE tenant_id = $1 AND id = ANY($2::uuid[]) AND ${RUNNABLE}`,
      [tenantId, itemIds],
    );
    return rows.map((row) => row.id);
  }

  /** Cancels a batch's queued items; returns how many. */
  async cancelQueued(tenantId: string, batchId: string, manager: EntityManager): Promise<number> {
    const [{ n }]: { n: number }[] = await manager.query(
      `WITH cancelled AS (
         UPDATE items SET status = 'cancelled', completed_at = now()
          WHERE id IN (SELECT id FROM items WHERE tenant_id = $1 AND batch_id = $2 AND status = 'queued'
                        ORDER BY id FOR UPDATE)
         RETURNING 1)
       SELECT count(*)::int AS n FROM cancelled`,
      [tenantId, batchId],
    );
    return n;
  }
}
