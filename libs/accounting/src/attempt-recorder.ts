import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { deferred, perGroup, tickBatcher } from '@conduit/common';
import { AttemptEntity, retryOnConnectionLoss, TenantScope } from '@conduit/db';
import { ZERO_USAGE, type TokenUsage } from '@conduit/providers';
import { PriceTable, type PricedCall } from './price-table';

/** Outcome of a call that was sent but whose answer never came back to us (the worker died). */
const IN_FLIGHT = 'in_flight';
/** Outcome of a call the worker cut short itself: it was stopping, and the call outlasted its grace. */
export const CANCELLED = 'cancelled';

/** The calls to one target (connection and model) that an item's earlier runs made and saw fail. */
export interface FailedCalls {
  calls: number;
  /** The error class of the latest of them. */
  lastOutcome: string;
}

/** The key of a target in `failedCallsOf`'s map. */
export const targetKey = (connectionId: string, model: string) => `${connectionId}/${model}`;

export interface AttemptStart {
  tenantId: string;
  batchId: string;
  itemId: string;
  connectionId: string;
  providerKind: string;
  model: string;
  targetIndex: number;
  callNumber: number;
}

export interface AttemptEnd {
  /** `success`, or the error class the call failed with. */
  outcome: string;
  httpStatus?: number;
  latencyMs: number;
  usage?: TokenUsage;
  providerCost?: number;
  /** What was called, to price the usage from the price table (`cost`); without it cost stays 0. */
  pricing?: PricedCall;
}

/**
 * An attempt row on its way to Postgres: `sent` once its INSERT is written to a connection (the
 * call may go out then), `stored` once it is committed (or written again, if Postgres refused it
 * after it was sent). Neither rejects unhandled.
 */
export interface StartedAttempt {
  id: string;
  tenantId: string;
  sent: Promise<void>;
  stored: Promise<void>;
}

interface StartRow {
  row: AttemptEntity;
  onSent: () => void;
}

/**
 * One `attempts` row per provider call on the wire, failed calls included. The row's INSERT goes
 * out before the call, and the call waits only until it is sent, not answered: a worker that dies
 * mid-call still leaves the call accounted for (outcome `in_flight`), since Postgres already has
 * the statement. The row is committed before the call is completed (`stored`).
 */
@Injectable()
export class AttemptRecorder {
  private readonly logger = new Logger(AttemptRecorder.name);

  // Calls made together are written together: one INSERT, one UPDATE per tenant and event-loop turn.
  private readonly starts = tickBatcher<StartRow, void>(
    perGroup(
      (start) => start.row.tenantId,
      async (tenantId, starts) => {
        const rows = starts.map(({ row: { tenantId: _, ...row } }) => row);
        await this.scope.repository(AttemptEntity, tenantId).insertEach(rows, () => starts.forEach((s) => s.onSent()));
        return starts.map(() => undefined);
      },
    ),
  );
  private readonly finishes = tickBatcher<AttemptCompletion, void>(
    perGroup(tenantOf, async (tenantId, rows) => {
      await this.scope.repository(AttemptEntity, tenantId).updateEach(rows, [...ATTEMPT_COMPLETION_COLUMNS]);
      return rows.map(() => undefined);
    }),
  );

  constructor(
    private readonly scope: TenantScope,
    private readonly prices: PriceTable,
  ) {}

  /** Starts writing the row of a call about to go out; send the call once `sent` resolves. */
  start(attempt: AttemptStart): StartedAttempt {
    const row = {
      id: randomUUID(),
      ...attempt,
      outcome: IN_FLIGHT,
      httpStatus: null,
      latencyMs: 0,
      ...usageColumns(ZERO_USAGE),
      cost: '0',
      providerCost: null,
    } as AttemptEntity;
    const sent = deferred<void>();
    let wentOut = false;
    const onSent = () => {
      wentOut = true;
      sent.resolve();
    };
    const stored = this.starts.load({ row, onSent });
    const started = {
      id: row.id,
      tenantId: attempt.tenantId,
      // A statement that fails before it is sent fails `sent` too: then no call goes out.
      sent: Promise.race([sent.promise, stored]),
      stored: stored.catch((error: unknown) => {
        if (!wentOut) throw error;
        return this.storeAgain(row, error);
      }),
    };
    started.sent.catch(() => undefined);
    started.stored.catch(() => undefined);
    return started;
  }

  async finish(tenantId: string, id: string, end: AttemptEnd): Promise<void> {
    await this.complete(await this.completion(tenantId, id, end));
  }

  /** Writes a completion made by `completion`, on its own. */
  complete(completion: AttemptCompletion): Promise<void> {
    return this.finishes.load(completion);
  }

  /**
   * The values that complete an attempt row (`ATTEMPT_COMPLETION_COLUMNS`), priced, for a caller
   * that writes them in a statement of its own: the worker writes a successful call's completion
   * with its item's result (`ItemRuns.finish`), so the two are stored together or not at all.
   */
  async completion(tenantId: string, id: string, end: AttemptEnd): Promise<AttemptCompletion> {
    const usage = end.usage ?? ZERO_USAGE;
    const cost = end.pricing ? await this.costOf(end.pricing, usage) : 0;
    return {
      id,
      tenantId,
      outcome: end.outcome,
      httpStatus: end.httpStatus ?? null,
      latencyMs: Math.round(end.latencyMs),
      ...usageColumns(usage),
      // Our estimate from the price table; the provider's own figure (if it gives one) beside it.
      cost: cost.toFixed(8),
      providerCost: end.providerCost === undefined ? null : String(end.providerCost),
    };
  }

  /**
   * The item's failed calls so far, per target (`targetKey`), for a run that resumes it: they count
   * against each target's retries. Calls cut short by a dying or stopping worker do not: the
   * provider did not fail them.
   */
  async failedCallsOf(tenantId: string, itemId: string): Promise<Map<string, FailedCalls>> {
    const rows = await this.scope
      .repository(AttemptEntity, tenantId)
      .queryBuilder('a')
      .select('a.connection_id', 'connection_id')
      .addSelect('a.model', 'model')
      .addSelect('count(*)::int', 'calls')
      .addSelect('(array_agg(a.outcome ORDER BY a.created_at DESC, a.call_number DESC))[1]', 'last_outcome')
      .andWhere('a.item_id = :itemId', { itemId })
      .andWhere('a.outcome NOT IN (:...notFailures)', { notFailures: ['success', IN_FLIGHT, CANCELLED] })
      .groupBy('a.connection_id')
      .addGroupBy('a.model')
      .getRawMany<{ connection_id: string; model: string; calls: number; last_outcome: string }>();
    return new Map(
      rows.map((row) => [targetKey(row.connection_id, row.model), { calls: row.calls, lastOutcome: row.last_outcome }]),
    );
  }

  /** Removes the row of a call that did not go out after all (the breaker or a pause said no). */
  async takeBack(attempt: StartedAttempt): Promise<void> {
    await attempt.stored;
    await this.scope.repository(AttemptEntity, attempt.tenantId).delete({ id: attempt.id, outcome: IN_FLIGHT });
  }

  /**
   * A row whose INSERT failed after it was sent is written once more: its call may be on the wire.
   * Postgres may have committed the first one after all (the connection broke on the answer).
   */
  private async storeAgain(row: AttemptEntity, error: unknown): Promise<void> {
    this.logger.warn(`Writing an attempt row again after: ${(error as Error).message}`);
    const { tenantId, ...rest } = row;
    try {
      // Through a lost connection too: the call is on the wire, and is accounted only once this is stored.
      await retryOnConnectionLoss(() => this.scope.repository(AttemptEntity, tenantId).insertEach([rest]), {});
    } catch (again) {
      if ((again as { code?: string }).code !== UNIQUE_VIOLATION) throw again;
    }
  }

  /** A price lookup that fails never loses the attempt: it is recorded at cost 0 and logged. */
  private async costOf(call: PricedCall, usage: TokenUsage): Promise<number> {
    try {
      return await this.prices.costOf(call, usage);
    } catch (error) {
      this.logger.warn(`Could not price a call to "${call.model}": ${(error as Error).message}`);
      return 0;
    }
  }
}

/** The columns an attempt's completion writes. */
export const ATTEMPT_COMPLETION_COLUMNS = [
  'outcome',
  'httpStatus',
  'latencyMs',
  'inputTokens',
  'outputTokens',
  'cachedTokens',
  'cacheWriteTokens',
  'cacheWrite1hTokens',
  'reasoningTokens',
  'cost',
  'providerCost',
] as const satisfies readonly (keyof AttemptEntity)[];

export type AttemptCompletion = Pick<AttemptEntity, 'id' | 'tenantId' | (typeof ATTEMPT_COMPLETION_COLUMNS)[number]>;

const UNIQUE_VIOLATION = '23505';

const tenantOf = <R extends { tenantId: string }>(row: R) => row.tenantId;

function usageColumns(usage: TokenUsage) {
  return {
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    cachedTokens: usage.cachedTokens,
    cacheWriteTokens: usage.cacheWriteTokens,
    cacheWrite1hTokens: usage.cacheWrite1hTokens,
    reasoningTokens: usage.reasoningTokens,
  };
}
