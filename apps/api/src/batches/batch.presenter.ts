import type { UsageSummary } from '@conduit/accounting';
import { batchView, type BatchDetails, type ItemDetails } from '@conduit/jobs';

/** Public shapes of batches and items. Only these functions decide what leaves the API. */
// The batch object lives in @conduit/jobs (`batchView`): completion webhooks carry the same JSON.
export function presentBatch(details: BatchDetails) {
  return batchView(details);
}

export function presentItem({ item, usage }: ItemDetails) {
  return {
    id: item.id,
    object: 'item',
    batch_id: item.batchId,
    custom_id: item.customId,
    task: item.task,
    status: item.status,
    ...(item.result !== null ? { result: item.result } : {}),
    ...(item.error ? { error: item.error } : {}),
    connection_id: item.connectionId,
    model: item.model,
    policy_version: item.policyVersion,
    attempts: usage?.calls ?? 0,
    usage: presentUsage(usage),
    created_at: item.createdAt.toISOString(),
    completed_at: item.completedAt?.toISOString() ?? null,
  };
}

/** One line of `GET /v1/batches/:id/results`. */
export function presentResultLine({ item, usage }: ItemDetails) {
  return {
    custom_id: item.customId,
    status: item.status,
    ...(item.status === 'succeeded' ? { result: item.result } : { error: item.error }),
    model: item.model,
    usage: presentUsage(usage),
  };
}

function presentUsage(usage: UsageSummary | undefined) {
  return {
    input_tokens: usage?.input_tokens ?? 0,
    output_tokens: usage?.output_tokens ?? 0,
    cached_tokens: usage?.cached_tokens ?? 0,
    reasoning_tokens: usage?.reasoning_tokens ?? 0,
    cost: usage?.cost ?? 0,
  };
}
