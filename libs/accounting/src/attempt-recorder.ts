import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AttemptEntity, TenantScope } from '@conduit/db';
import { ZERO_USAGE, type TokenUsage } from '@conduit/providers';

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
}

/**
 * One `attempts` row per provider call on the wire, failed calls included. The row is written
 * before the call goes out and completed after, so a worker that dies mid-call still leaves the
 * call accounted for (outcome `in_flight`).
 */
@Injectable()
export class AttemptRecorder {
  constructor(private readonly scope: TenantScope) {}

  /** Records that a call is about to go out; returns the id to finish it with. */
  async start(attempt: AttemptStart): Promise<string> {
    const id = randomUUID();
    await this.scope.repository(AttemptEntity, attempt.tenantId).insert([
      {
        id,
        ...attempt,
        outcome: IN_FLIGHT,
        httpStatus: null,
        latencyMs: 0,
        ...usageColumns(ZERO_USAGE),
        cost: '0',
        providerCost: null,
      },
    ]);
    return id;
  }

  async finish(tenantId: string, id: string, end: AttemptEnd): Promise<void> {
    await this.scope.repository(AttemptEntity, tenantId).update(
      { id },
      {
        outcome: end.outcome,
        httpStatus: end.httpStatus ?? null,
        latencyMs: Math.round(end.latencyMs),
        ...usageColumns(end.usage ?? ZERO_USAGE),
        // Priced once the price table lands; until then only a provider-reported cost is known.
        providerCost: end.providerCost === undefined ? null : String(end.providerCost),
      },
    );
  }
}

function usageColumns(usage: TokenUsage) {
  return {
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    cachedTokens: usage.cachedTokens,
    cacheWriteTokens: usage.cacheWriteTokens,
    reasoningTokens: usage.reasoningTokens,
  };
}
