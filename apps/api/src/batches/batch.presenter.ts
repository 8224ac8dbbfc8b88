import type { UsageSummary } from '@conduit/accounting';
import { batchView, type BatchDetails, type ItemDetails } from '@conduit/jobs';
import { EXAMPLE_ID, EXAMPLE_TIME } from '../http/examples';

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

const counts = { total: 2, queued: 1, running: 1, succeeded: 0, failed: 0, cancelled: 0 };

export const batchExample = {
  id: EXAMPLE_ID,
  object: 'batch',
  status: 'in_progress',
  counts,
  usage: { input_tokens: 0, output_tokens: 0, cost: 0 },
  user: 'end-user-42',
  metadata: { source: 'crm' },
  created_at: EXAMPLE_TIME,
  completed_at: null,
} satisfies ReturnType<typeof presentBatch>;

export const acceptedBatchExample = {
  id: EXAMPLE_ID,
  object: 'batch',
  status: 'in_progress',
  counts,
  created_at: EXAMPLE_TIME,
};

const itemUsage = { input_tokens: 120, output_tokens: 30, cached_tokens: 0, reasoning_tokens: 0, cost: 0.000036 };

export const itemExample = {
  id: EXAMPLE_ID,
  object: 'item',
  batch_id: EXAMPLE_ID,
  custom_id: 'doc-1',
  task: 'summarization',
  status: 'succeeded',
  result: { summary: 'A short summary.' },
  connection_id: EXAMPLE_ID,
  model: 'gpt-4o-mini',
  policy_version: 3,
  attempts: 1,
  usage: itemUsage,
  created_at: EXAMPLE_TIME,
  completed_at: EXAMPLE_TIME,
} satisfies ReturnType<typeof presentItem>;

export const resultLinesExample = (
  [
    {
      custom_id: 'doc-1',
      status: 'succeeded',
      result: { summary: 'A short summary.' },
      model: 'gpt-4o-mini',
      usage: itemUsage,
    },
    {
      custom_id: 'doc-2',
      status: 'failed',
      error: { code: 'no_route', message: 'no routing policy for task summarization' },
      model: null,
      usage: { ...itemUsage, input_tokens: 0, output_tokens: 0, cost: 0 },
    },
  ] satisfies ReturnType<typeof presentResultLine>[]
)
  .map((line) => `${JSON.stringify(line)}\n`)
  .join('');
