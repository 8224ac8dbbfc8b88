import { Injectable } from '@nestjs/common';
import { ConduitError, ErrorCode } from '@conduit/common';
import { ApiKeyEntity, TenantScope, type ApiKeyRole } from '@conduit/db';
import { DataSource, IsNull } from 'typeorm';
import type { Actor } from './actor';
import { generateApiKeySecret } from './api-key-secret';
import { AuditLog } from './audit-log';
import { LastUsedTracker } from './last-used-tracker';
import { roleSatisfies } from './roles';

type TenantActor = Extract<Actor, { type: 'api_key' }>;

interface CreatedApiKey {
  apiKey: ApiKeyEntity;
  /** The plain key: in this response only, never stored, never shown again. */
  key: string;
}

/** Admins manage member keys; owners also manage admin and owner keys. */
function roleNeededToManage(role: ApiKeyRole): ApiKeyRole {
  return role === 'member' ? 'admin' : 'owner';
}

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly scope: TenantScope,
    private readonly audit: AuditLog,
    private readonly lastUsed: LastUsedTracker,
  ) {}

  async create(actor: TenantActor, input: { name: string; role: ApiKeyRole }): Promise<CreatedApiKey> {
    this.assertMayManage(actor, input.role);
    const secret = generateApiKeySecret();
    return this.dataSource.transaction(async (manager) => {
      const [apiKey] = await this.scope.repository(ApiKeyEntity, actor.tenantId, manager).insert([
        {
          name: input.name,
          role: input.role,
          prefix: secret.prefix,
          keyHash: secret.hash,
          createdBy: actor.apiKeyId,
        },
      ]);
      await this.audit.record(
        actor,
        {
          tenantId: actor.tenantId,
          action: 'api_key.create',
          targetType: 'api_key',
          targetId: apiKey.id,
          change: { name: input.name, role: input.role, prefix: secret.prefix },
        },
        manager,
      );
      return { apiKey, key: secret.key };
    });
  }

  async list(tenantId: string): Promise<ApiKeyEntity[]> {
    const keys = await this.scope.repository(ApiKeyEntity, tenantId).find({ order: { createdAt: 'ASC' } });
    return keys.map((key) => this.withPendingUse(key));
  }

  /** Revokes at once: the next request with that key is refused. The last owner key cannot go. */
  async revoke(actor: TenantActor, id: string): Promise<ApiKeyEntity> {
    return this.dataSource.transaction(async (manager) => {
      const keys = this.scope.repository(ApiKeyEntity, actor.tenantId, manager);
      // Lock the tenant's owner keys so two owners cannot revoke each other at the same moment.
      const owners = await keys
        .queryBuilder('k')
        .andWhere(`k.role = 'owner' AND k.revoked_at IS NULL`)
        .setLock('pessimistic_write')
        .getMany();
      const key = await keys.findOne({ id });
      if (!key) throw ConduitError.notFound('API key');
      this.assertMayManage(actor, key.role);
      if (key.revokedAt) return this.withPendingUse(key);
      if (key.role === 'owner' && owners.length <= 1) {
        throw new ConduitError(ErrorCode.Conflict, 'the last owner key cannot be revoked; create another owner first');
      }
      const revokedAt = new Date();
      await keys.update({ id, revokedAt: IsNull() }, { revokedAt });
      await this.audit.record(
        actor,
        {
          tenantId: actor.tenantId,
          action: 'api_key.revoke',
          targetType: 'api_key',
          targetId: id,
          change: { name: key.name },
        },
        manager,
      );
      return this.withPendingUse({ ...key, revokedAt });
    });
  }

  private assertMayManage(actor: TenantActor, role: ApiKeyRole): void {
    const needed = roleNeededToManage(role);
    if (!roleSatisfies(actor.role, needed)) {
      throw new ConduitError(ErrorCode.Forbidden, `managing ${role} keys needs the ${needed} role`);
    }
  }

  private withPendingUse(key: ApiKeyEntity): ApiKeyEntity {
    const pending = this.lastUsed.pendingFor(key.id);
    return pending && (!key.lastUsedAt || pending > key.lastUsedAt) ? { ...key, lastUsedAt: pending } : key;
  }
}
