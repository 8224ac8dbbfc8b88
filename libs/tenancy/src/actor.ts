import type { ApiKeyRole } from '@conduit/db';

/** Who is making a change, for authorization and the audit log. */
export type Actor =
  | { type: 'api_key'; tenantId: string; apiKeyId: string; role: ApiKeyRole; requestId?: string }
  | { type: 'platform'; requestId?: string };
