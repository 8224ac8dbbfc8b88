import type { RoutingPolicyEntity } from '@conduit/db';

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
