import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { perGroup, tickBatcher } from '@conduit/common';
import { AttemptRepository, type AttemptCompletion, type AttemptStartRow } from '@conduit/db';
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

interface AttemptStart {
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
 * One `attempts` row per provider call on the wire, failed calls included. The row is stored before
 * its call goes out (outcome `in_flight`), so a worker that dies mid-call leaves the call on record;
 * it is completed with the call's outcome, tokens and cost when the call ends.
 */
@Injectable()
export class AttemptRecorder {
  private readonly logger = new Logger(AttemptRecorder.name);

  // Calls made together are written together: one INSERT, one UPDATE per tenant and event-loop turn.
  private readonly starts = tickBatcher<{ tenantId: string; row: AttemptStartRow }, void>(
    perGroup(
      (start) => start.tenantId,
      async (tenantId, starts) => {
        await this.attempts.insert(
          tenantId,
          starts.map((start) => start.row),
        );
        return starts.map(() => undefined);
      },
    ),
  );
  private readonly completions = tickBatcher<{ tenantId: string; completion: AttemptCompletion }, void>(
    perGroup(
      (end) => end.tenantId,
      async (tenantId, ends) => {
        await this.attempts.complete(
          tenantId,
          ends.map((end) => end.completion),
        );
        return ends.map(() => undefined);
      },
    ),
  );

  constructor(
    private readonly attempts: AttemptRepository,
    private readonly prices: PriceTable,
  ) {}

  /** Stores the row of a call about to go out; returns its id. Send the call once this resolves. */
  async start({ tenantId, ...call }: AttemptStart): Promise<string> {
    const row = { id: randomUUID(), ...call, outcome: IN_FLIGHT };
    await this.starts.load({ tenantId, row });
    return row.id;
  }

  /** Deletes the row `start` is storing, of a call that did not go out after all. */
  async discard(tenantId: string, started: Promise<string>): Promise<void> {
    const id = await started.catch(() => undefined); // a row that was never stored has nothing to delete
    if (id) await this.attempts.deleteInFlight(tenantId, id);
  }

  /** Completes the row of a call that ended, on its own. */
  async finish(tenantId: string, id: string, end: AttemptEnd): Promise<void> {
    await this.completions.load({ tenantId, completion: await this.completion(id, end) });
  }

  /**
   * The values that complete an attempt row, priced, for a caller that writes them in a statement
   * of its own: the worker writes a successful call's completion with its item's result
   * (`ItemRuns.finish`), so the two are stored together or not at all.
   */
  async completion(id: string, end: AttemptEnd): Promise<AttemptCompletion> {
    const usage = end.usage ?? ZERO_USAGE;
    const cost = end.pricing ? await this.costOf(end.pricing, usage) : 0;
    return {
      id,
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
    const rows = await this.attempts.failedCallsOf(tenantId, itemId, ['success', IN_FLIGHT, CANCELLED]);
    return new Map(rows.map(({ connectionId, model, ...failed }) => [targetKey(connectionId, model), failed]));
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
