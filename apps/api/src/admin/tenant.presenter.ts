import type { TenantEntity } from '@conduit/db';
import { EXAMPLE_ID, EXAMPLE_TIME } from '../http/examples';

export function presentTenant(tenant: TenantEntity) {
  return {
    id: tenant.id,
    object: 'tenant',
    name: tenant.name,
    plan: tenant.plan,
    status: tenant.status,
    created_at: tenant.createdAt.toISOString(),
  };
}

export const tenantExample = {
  id: EXAMPLE_ID,
  object: 'tenant',
  name: 'Acme',
  plan: 'pro',
  status: 'active',
  created_at: EXAMPLE_TIME,
} satisfies ReturnType<typeof presentTenant>;
