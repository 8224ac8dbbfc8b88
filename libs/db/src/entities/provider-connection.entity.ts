import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const CONNECTION_STATUSES = ['untested', 'active', 'invalid', 'disabled'] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

export interface ConnectionLimits {
  rpm?: number;
  tpm?: number;
  max_concurrency?: number;
}

export interface ConnectionTestResult {
  ok: boolean;
  at: string;
  latency_ms: number;
  error?: { code: string; message: string };
}

@Entity({ name: 'provider_connections' })
export class ProviderConnectionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Null for a platform-managed connection shared by tenants whose plan includes it. */
  @Column('uuid', { name: 'tenant_id', nullable: true })
  tenantId!: string | null;

  @Column('text')
  name!: string;

  @Column('text')
  kind!: string;

  /** Kind-specific settings that are not secret (secrets go to `secretCiphertext`). */
  @Column('jsonb', { default: {} })
  settings!: Record<string, unknown>;

  /** Encrypted base URL, key or token and secret settings; null for kinds that need none. */
  @Column('text', { name: 'secret_ciphertext', nullable: true })
  secretCiphertext!: string | null;

  @Column('text', { name: 'secret_key_version', nullable: true })
  secretKeyVersion!: string | null;

  /** The last characters of the key, e.g. "…a1b2": all a response ever shows of it. */
  @Column('text', { name: 'secret_hint', nullable: true })
  secretHint!: string | null;

  @Column('text', { name: 'base_url_host', nullable: true })
  baseUrlHost!: string | null;

  @Column('text')
  status!: ConnectionStatus;

  /** Why the connection is `invalid` or `disabled` (sanitized), e.g. the provider's 401. */
  @Column('text', { name: 'status_reason', nullable: true })
  statusReason!: string | null;

  @Column('jsonb', { default: [] })
  models!: string[];

  @Column('jsonb', { default: {} })
  limits!: ConnectionLimits;

  @Column('text', { nullable: true })
  region!: string | null;

  @Column('jsonb', { name: 'last_test', nullable: true })
  lastTest!: ConnectionTestResult | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
