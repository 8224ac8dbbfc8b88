import { Injectable } from '@nestjs/common';
import { ApiKeyEntity, TenantEntity } from '@conduit/db';
import { DataSource } from 'typeorm';
import { hashApiKey, looksLikeApiKey } from './api-key-secret';
import type { AuthContext } from './auth-context';
import { LastUsedTracker } from './last-used-tracker';

@Injectable()
export class ApiKeyAuthenticator {
  constructor(
    private readonly dataSource: DataSource,
    private readonly lastUsed: LastUsedTracker,
  ) {}

  /** The caller behind a bearer key, or null for a missing, unknown or revoked key. */
  async authenticate(key: string): Promise<AuthContext | null> {
    if (!looksLikeApiKey(key)) return null;
    const row = await this.dataSource
      .getRepository(ApiKeyEntity)
      .createQueryBuilder('k')
      .innerJoinAndMapOne('k.tenant', TenantEntity, 't', 't.id = k.tenant_id')
      .where('k.key_hash = :hash', { hash: hashApiKey(key) })
      .andWhere('k.revoked_at IS NULL')
      .getOne();
    if (!row) return null;
    this.lastUsed.touch(row.id);
    const tenant = (row as ApiKeyEntity & { tenant: TenantEntity }).tenant;
    return {
      tenantId: tenant.id,
      tenantName: tenant.name,
      tenantStatus: tenant.status,
      tenantPlan: tenant.plan,
      apiKeyId: row.id,
      apiKeyName: row.name,
      role: row.role,
    };
  }
}
