import type { ApiKeyRole } from '@conduit/db';

const RANK: Record<ApiKeyRole, number> = { member: 0, admin: 1, owner: 2 };

/** owner ⊃ admin ⊃ member */
export function roleSatisfies(role: ApiKeyRole, required: ApiKeyRole): boolean {
  return RANK[role] >= RANK[required];
}
