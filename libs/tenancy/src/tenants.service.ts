import { Injectable } from '@nestjs/common';
import { ConduitError } from '@conduit/common';
import { ApiKeyEntity, TenantEntity, TenantScope, type TenantStatus } from '@conduit/db';
import { DataSource } from 'typeorm';
import type { Actor } from './actor';
import { generateApiKeySecret } from './api-key-secret';
import { AuditLog } from './audit-log';

interface CreatedTenant {
  tenant: TenantEntity;
  /** The owner's API key in plain text: shown once, at creation. */
  ownerApiKey: string;
}

/** Platform-level tenant administration (the operator's side, not a tenant's). */
@Injectable()
export class TenantsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly scope: TenantScope,
    private readonly audit: AuditLog,
  ) {}

  /** Creates a tenant and its first owner key in one transaction. */
  async create(actor: Actor, input: { name: string; plan: string; status?: TenantStatus }): Promise<CreatedTenant> {
    return this.dataSource.transaction(async (manager) => {
      const tenant = await manager.getRepository(TenantEntity).save({
        name: input.name,
        plan: input.plan,
        status: input.status ?? 'active',
      });
      const secret = generateApiKeySecret();
      const [owner] = await this.scope
        .repository(ApiKeyEntity, tenant.id, manager)
        .insert([{ name: 'owner', role: 'owner', prefix: secret.prefix, keyHash: secret.hash, createdBy: null }]);
      await this.audit.record(
        actor,
        {
          tenantId: tenant.id,
          action: 'tenant.create',
          targetType: 'tenant',
          targetId: tenant.id,
          change: { name: tenant.name, plan: tenant.plan, status: tenant.status, owner_key_prefix: owner.prefix },
        },
        manager,
      );
      return { tenant, ownerApiKey: secret.key };
    });
  }

  async get(id: string): Promise<TenantEntity> {
    const tenant = await this.dataSource.getRepository(TenantEntity).findOneBy({ id });
    if (!tenant) throw ConduitError.notFound('tenant');
    return tenant;
  }

  findByName(name: string): Promise<TenantEntity | null> {
    return this.dataSource.getRepository(TenantEntity).findOneBy({ name });
  }

  /** Newest first; `after` is the id of the last tenant of the previous page. */
  list(options: { after?: string; limit: number }): Promise<TenantEntity[]> {
    const query = this.dataSource.getRepository(TenantEntity).createQueryBuilder('t');
    if (options.after) {
      query.where('(t.created_at, t.id) < (SELECT created_at, id FROM tenants WHERE id = :after)', {
        after: options.after,
      });
    }
    return query.orderBy('t.created_at', 'DESC').addOrderBy('t.id', 'DESC').limit(options.limit).getMany();
  }

  /** Suspends, reactivates or re-plans a tenant; the gate reads the new state on the next request. */
  async update(actor: Actor, id: string, patch: { status?: TenantStatus; plan?: string }): Promise<TenantEntity> {
    return this.dataSource.transaction(async (manager) => {
      const tenants = manager.getRepository(TenantEntity);
      const tenant = await tenants.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!tenant) throw ConduitError.notFound('tenant');
      const change: Record<string, unknown> = {};
      for (const field of ['status', 'plan'] as const) {
        if (patch[field] !== undefined && patch[field] !== tenant[field]) {
          change[field] = { from: tenant[field], to: patch[field] };
        }
      }
      if (Object.keys(change).length === 0) return tenant;
      const updated = await tenants.save({ ...tenant, ...patch });
      await this.audit.record(
        actor,
        { tenantId: id, action: 'tenant.update', targetType: 'tenant', targetId: id, change },
        manager,
      );
      return updated;
    });
  }
}
