import type { RoutingPolicyEntity } from '@conduit/db';
import type { DryRunResult } from '@conduit/routing';
import { EXAMPLE_ID, EXAMPLE_TIME } from '../http/examples';

export function presentPolicy(task: string, policy: RoutingPolicyEntity | null) {
  return {
    task,
    version: policy?.version ?? null,
    targets: policy?.targets ?? [],
    constraints: policy?.constraints ?? {},
    updated_by: policy?.updatedBy ?? null,
    updated_at: policy?.createdAt.toISOString() ?? null,
  };
}

export const policyExample = {
  task: 'summarization',
  version: 3,
  targets: [{ connection_id: EXAMPLE_ID, model: 'gpt-4o-mini', timeout_ms: 30000, max_retries: 2 }],
  constraints: { region: 'eu' },
  updated_by: EXAMPLE_ID,
  updated_at: EXAMPLE_TIME,
} satisfies ReturnType<typeof presentPolicy>;

const target = { index: 0, connection_id: EXAMPLE_ID, model: 'gpt-4o-mini', usable: true };

export const dryRunExample: DryRunResult = {
  task: 'summarization',
  version: 3,
  chosen: target,
  targets: [
    target,
    { ...target, index: 1, model: 'gpt-4o', usable: false, reason: 'circuit breaker open (5 recent failures)' },
  ],
};
