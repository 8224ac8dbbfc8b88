import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { AttemptEntity } from '../entities';

/** A new attempt row: a call about to go out. Its outcome, tokens and cost are written by `complete`. */
export type AttemptStartRow = Pick<
  AttemptEntity,
  'id' | 'batchId' | 'itemId' | 'connectionId' | 'providerKind' | 'model' | 'targetIndex' | 'callNumber' | 'outcome'
>;

/** What completes an attempt row once its call has ended. */
export type AttemptCompletion = Pick<
  AttemptEntity,
  | 'id'
  | 'outcome'
  | 'httpStatus'
  | 'latencyMs'
  | 'inputTokens'
  | 'outputTokens'
  | 'cachedTokens'
  | 'cacheWriteTokens'
  | 'cacheWrite1hTokens'
  | 'reasoningTokens'
  | 'cost'
  | 'providerCost'
>;

/** The failed calls of one item to one target (connection and model). */
export interface FailedCallsRow {
  connectionId: string;
  model: string;
  calls: number;
  lastOutcome: string;
}

/**
 * The UPDATE that completes attempt rows of tenant `$tenant` from the JSON parameter `$completions`
 * (`completionRecordset`), whose ids are also the array `$ids`. Shared with the item finish, which
 * completes its answering call in the same statement.
 */
export function completeAttemptsSql(tenant: string, completions: string, ids: string): string {
  return `UPDATE attempts a
       SET outcome = v.outcome, http_status = v.http_status, latency_ms = v.latency_ms,
           input_tokens = v.input_tokens, output_tokens = v.output_tokens, cached_tokens = v.cached_tokens,
           cache_write_tokens = v.cache_write_tokens, cache_write_1h_tokens = v.cache_write_1h_tokens,
           reasoning_tokens = v.reasoning_tokens, cost = v.cost, provider_cost = v.provider_cost
      FROM jsonb_to_recordset(${completions}::jsonb) AS v(
             id uuid, outcome text, http_status int, latency_ms int, input_tokens int, output_tokens int,
             cached_tokens int, cache_write_tokens int, cache_write_1h_tokens int, reasoning_tokens int,
             cost numeric, provider_cost numeric)
     WHERE a.tenant_id = ${tenant} AND a.id = ANY(${ids}::uuid[]) AND a.id = v.id`;
}

/**
 * Completions as the JSON parameter of `completeAttemptsSql`. Its statements name the rows' ids as
 * an array too: the planner cannot tell how many rows a JSON recordset holds (it assumes 100), and
 * until a table's first ANALYZE it then reads all the tenant's rows instead of probing the primary
 * key (`npm run bench:overhead` on a new database: +1.2 ms per call).
 */
export function completionRecordset(completions: AttemptCompletion[]): string {
  return JSON.stringify(
    completions.map((c) => ({
      id: c.id,
      outcome: c.outcome,
      http_status: c.httpStatus,
      latency_ms: c.latencyMs,
      input_tokens: c.inputTokens,
      output_tokens: c.outputTokens,
      cached_tokens: c.cachedTokens,
      cache_write_tokens: c.cacheWriteTokens,
      cache_write_1h_tokens: c.cacheWrite1hTokens,
      reasoning_tokens: c.reasoningTokens,
      cost: c.cost,
      provider_cost: c.providerCost,
    })),
  );
}

/**
 * The worker's SQL on `attempts`, each statement for one tenant. Calls that start or end together
 * are written by one statement (the caller batches them), each row with its own values.
 */
@Injectable()
export class AttemptRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts the rows of calls about to go out (tokens and cost 0 until `complete`). */
  async insert(tenantId: string, rows: AttemptStartRow[], manager: EntityManager = this.dataSource.manager) {
    if (rows.length === 0) return;
    const recordset = rows.map((row) => ({
      id: row.id,
      batch_id: row.batchId,
      item_id: row.itemId,
      connection_id: row.connectionId,
      provider_kind: row.providerKind,
      model: row.model,
      target_index: row.targetIndex,
      call_number: row.callNumber,
      outcome: row.outcome,
    }));
    await manager.query(
      `INSERT INTO attempts (id, tenant_id, batch_id, item_id, connection_id, provider_kind, model, target_index,
                             call_number, outcome, latency_ms)
       SELECT v.id, $1, v.batch_id, v.item_id, v.connection_id, v.provider_kind, v.model, v.target_index,
              v.call_number, v.outcome, 0
         FROM jsonb_to_recordset($2::jsonb) AS v(id uuid, batch_id uuid, item_id uuid, connection_id uuid,
              provider_kind text, model text, target_index int, call_number int, outcome text)`,
      [tenantId, JSON.stringify(recordset)],
    );
  }

  /** Deletes the row of a call that did not go out after all (still `in_flight`). */
  async deleteInFlight(tenantId: string, id: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM attempts WHERE tenant_id = $1 AND id = $2 AND outcome = 'in_flight'`, [
      tenantId,
      id,
    ]);
  }

  /** Writes the outcome, tokens and cost of calls that ended. */
  async complete(tenantId: string, completions: AttemptCompletion[], manager: EntityManager = this.dataSource.manager) {
    if (completions.length === 0) return;
    await manager.query(completeAttemptsSql('$1', '$2', '$3'), [
      tenantId,
      completionRecordset(completions),
      completions.map((c) => c.id),
    ]);
  }

  /** Per target, the item's calls whose outcome is not one of `notFailures`, and the latest outcome among them. */
  async failedCallsOf(tenantId: string, itemId: string, notFailures: string[]): Promise<FailedCallsRow[]> {
    return this.dataSource.query(
      `SELECT connection_id AS "connectionId", model, count(*)::int AS calls,
              (array_agg(outcome ORDER BY created_at DESC, call_number DESC))[1] AS "lastOutcome"
         FROM attempts
        WHERE tenant_id = $1 AND item_id = $2 AND outcome <> ALL($3::text[])
        GROUP BY connection_id, model`,
      [tenantId, itemId, notFailures],
    );
  }
}
