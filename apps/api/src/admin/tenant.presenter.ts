import type { TenantEntity } from '@conduit/db';

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
