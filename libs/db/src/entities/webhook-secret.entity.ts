import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A tenant's webhook signing secret, sealed by the vault (context `webhook:<tenantId>`). One per tenant. */
@Entity({ name: 'webhook_secrets' })
export class WebhookSecretEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' })
  tenantId!: string;

  /** `Vault.seal` output; never leaves the process unsealed except in the create/rotate response. */
  @Column('text', { name: 'sealed_secret' })
  sealedSecret!: string;

  @Column('text', { name: 'key_id' })
  keyId!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'rotated_at', type: 'timestamptz' })
  rotatedAt!: Date;
}
