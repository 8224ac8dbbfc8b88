import { Injectable } from '@nestjs/common';
import { WebhookSecretEntity, TenantScope } from '@conduit/db';
import { AuditLog, type Actor } from '@conduit/tenancy';
import { Vault } from '@conduit/vault';
import { generateWebhookSecret } from './webhook-signature';

export interface WebhookSecretInfo {
  createdAt: Date;
  rotatedAt: Date;
}

const vaultContext = (tenantId: string) => `webhook:${tenantId}`;

/**
 * The tenant's webhook signing secret: created or rotated on request, shown once, stored sealed.
 * Rotation replaces it at once: deliveries signed from then on (retries included) use the new one.
 */
@Injectable()
export class WebhookSecrets {
  constructor(
    private readonly scope: TenantScope,
    private readonly vault: Vault,
    private readonly audit: AuditLog,
  ) {}

  /** Creates or replaces the secret; the plaintext is in the return value only. */
  async rotate(actor: Actor, tenantId: string): Promise<{ secret: string } & WebhookSecretInfo> {
    const secret = generateWebhookSecret();
    const sealed = this.vault.seal(secret, vaultContext(tenantId));
    const row = await this.scope.transaction(async (manager) => {
      // Two admins creating the first secret at once must not both insert: one waits for the other.
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('webhook-secret:' || $1))`, [tenantId]);
      const rows = this.scope.repository(WebhookSecretEntity, tenantId, manager);
      const existed = await rows.exists({});
      if (existed) {
        await rows.update({}, { sealedSecret: sealed.ciphertext, keyId: sealed.keyId, rotatedAt: new Date() });
      } else {
        await rows.insert([{ sealedSecret: sealed.ciphertext, keyId: sealed.keyId }]);
      }
      await this.audit.record(
        actor,
        {
          tenantId,
          action: existed ? 'webhook_secret.rotate' : 'webhook_secret.create',
          targetType: 'webhook_secret',
          targetId: tenantId,
          change: {},
        },
        manager,
      );
      return (await rows.findOne({})) as WebhookSecretEntity;
    });
    return { secret, createdAt: row.createdAt, rotatedAt: row.rotatedAt };
  }

  /** When the secret was made and last rotated; null if the tenant has none. Never the secret. */
  async info(tenantId: string): Promise<WebhookSecretInfo | null> {
    const row = await this.scope.repository(WebhookSecretEntity, tenantId).findOne({});
    return row ? { createdAt: row.createdAt, rotatedAt: row.rotatedAt } : null;
  }

  /** The plaintext secret for signing; null if the tenant has none (deliveries then go unsigned). */
  async current(tenantId: string): Promise<string | null> {
    const row = await this.scope.repository(WebhookSecretEntity, tenantId).findOne({});
    return row ? this.vault.open(row.sealedSecret, vaultContext(tenantId)) : null;
  }
}
