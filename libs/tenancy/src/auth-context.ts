import type { ApiKeyRole, TenantStatus } from '@conduit/db';

/** Who is calling: resolved from the API key on every tenant request. */
export interface AuthContext {
  tenantId: string;
  tenantName: string;
  tenantStatus: TenantStatus;
  tenantPlan: string;
  apiKeyId: string;
  apiKeyName: string;
  role: ApiKeyRole;
}
