import { Injectable } from '@nestjs/common';
import { ConduitError } from '@conduit/common';
import { ApiKeyEntity, TenantEntity, TenantScope, type TenantStatus } from '@conduit/db';
import { DataSource } from 'typeorm';
import { generateApiKeySecret } from './api-key-secret';

export interface CreatedTenant {
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
  ) {}

  /** Creates a tenant and its first owner key in one transaction. */
  async create(input: { name: string; plan: string; status?: TenantStatus }): Promise<CreatedTenant> {
    return this.dataSource.transaction(async (manager) => {
      const tenant = await manager.getRepository(TenantEntity).save({
        name: input.name,
        plan: input.plan,
        status: input.status ?? 'active',
      });
      const secret = generateApiKeySecret();
      await this.scope
        .repository(ApiKeyEntity, tenant.id, manager)
        .insert([{ name: 'owner', role: 'owner', prefix: secret.prefix, keyHash: secret.hash, createdBy: null }]);
      return { tenant, ownerApiKey: secret.key };
    });
  }

  async get(id: string): Promise<TenantEntity> {
    const tenant = await this.dataSource.getRepository(TenantEntity).findOneBy({ id });
    if (!tenant) throw ConduitError.notFound('tenant');
    return tenant;
  }

  async findByName(name: string): Promise<TenantEntity | null> {
    return this.dataSource.getRepository(TenantEntity).findOneBy({ name });
  }
}
