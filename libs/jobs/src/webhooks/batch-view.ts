import type { BatchDetails } from '../batches.service';

/**
 * The public batch object: what `GET /v1/batches/:id` answers and what a completion
 * webhook carries. One function, so the API and the worker can never drift apart.
 */
export function batchView({ batch, counts, usage }: BatchDetails) {
  return {
    id: batch.id,
    object: 'batch',
    status: batch.status,
    counts,
    usage: { input_tokens: usage.input_tokens, output_tokens: usage.output_tokens, cost: usage.cost },
    user: batch.endUser,
    metadata: batch.metadata,
    created_at: batch.createdAt.toISOString(),
    completed_at: batch.completedAt?.toISOString() ?? null,
  };
}

export type BatchView = ReturnType<typeof batchView>;
