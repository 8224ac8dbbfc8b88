import { Injectable } from '@nestjs/common';
import { AttemptEntity, TenantScope } from '@conduit/db';
import { ZERO_USAGE, type TokenUsage } from '@conduit/providers';

export interface AttemptRecord {
  tenantId: string;
  batchId: string;
  itemId: string;
  connectionId: string;
  providerKind: string;
  model: string;
  targetIndex: number;
  callNumber: number;
  /** `success`, or the error class the call failed with. */
  outcome: string;
  httpStatus?: number;
  latencyMs: number;
  usage?: TokenUsage;
  providerCost?: number;
}

/** Writes one `attempts` row per provider call on the wire, failed calls included. */
@Injectable()
export class AttemptRecorder {
  constructor(private readonly scope: TenantScope) {}

  async record(attempt: AttemptRecord): Promise<void> {
    const usage = attempt.usage ?? ZERO_USAGE;
    await this.scope.repository(AttemptEntity, attempt.tenantId).insert([
      {
        batchId: attempt.batchId,
        itemId: attempt.itemId,
        connectionId: attempt.connectionId,
        providerKind: attempt.providerKind,
        model: attempt.model,
        targetIndex: attempt.targetIndex,
        callNumber: attempt.callNumber,
        outcome: attempt.outcome,
        httpStatus: attempt.httpStatus ?? null,
        latencyMs: Math.round(attempt.latencyMs),
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        cachedTokens: usage.cachedTokens,
        cacheWriteTokens: usage.cacheWriteTokens,
        reasoningTokens: usage.reasoningTokens,
        // Priced once the price table lands; until then only a provider-reported cost is known.
        cost: '0',
        providerCost: attempt.providerCost === undefined ? null : String(attempt.providerCost),
      },
    ]);
  }
}
