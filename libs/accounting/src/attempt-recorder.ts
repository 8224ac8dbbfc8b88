import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { perGroup, tickBatcher } from '@conduit/common';
import { AttemptEntity, TenantScope } from '@conduit/db';
import { ZERO_USAGE, type TokenUsage } from '@conduit/providers';
import { PriceTable, type PricedCall } from './price-table';

/** Outcome of a call that was sent but whose answer never came back to us (the worker died). */
export const IN_FLIGHT = 'in_flight';

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
 * One `attempts` row per provider call on the wire, failed calls included. The row is written
 * before the call goes out and completed after, so a worker that dies mid-call still leaves the
 * call accounted for (outcome `in_flight`).
 */
@Injectable()
export class AttemptRecorder {
  private readonly logger = new Logger(AttemptRecorder.name);

  // Calls made together are written together: one INSERT, one UPDATE per tenant and event-loop turn.
  private readonly starts = tickBatcher<AttemptEntity, void>(
    perGroup(tenantOf, async (tenantId, rows) => {
      await this.scope.repository(AttemptEntity, tenantId).insertEach(rows.map(({ tenantId: _, ...row }) => row));
      return rows.map(() => undefined);
    }),
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

  /** Records that a call is about to go out; returns the id to finish it with. */
  async start(attempt: AttemptStart): Promise<string> {
    const id = randomUUID();
    await this.starts.load({
      id,
      ...attempt,
      outcome: IN_FLIGHT,
      httpStatus: null,
      latencyMs: 0,
      ...usageColumns(ZERO_USAGE),
      cost: '0',
      providerCost: null,
    } as AttemptEntity);
    return id;
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

  /** Removes the row of a call that did not go out after all (the breaker or a pause said no). */
  async takeBack(tenantId: string, id: string): Promise<void> {
    await this.scope.repository(AttemptEntity, tenantId).delete({ id, outcome: IN_FLIGHT });
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
  'reasoningTokens',
  'cost',
  'providerCost',
] as const satisfies readonly (keyof AttemptEntity)[];

export type AttemptCompletion = Pick<AttemptEntity, 'id' | 'tenantId' | (typeof ATTEMPT_COMPLETION_COLUMNS)[number]>;

const tenantOf = <R extends { tenantId: string }>(row: R) => row.tenantId;

function usageColumns(usage: TokenUsage) {
  return {
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    cachedTokens: usage.cachedTokens,
    cacheWriteTokens: usage.cacheWriteTokens,
    reasoningTokens: usage.reasoningTokens,
  };
}
