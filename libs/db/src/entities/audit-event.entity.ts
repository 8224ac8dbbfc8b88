import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type AuditActorType = 'api_key' | 'platform';

/** Who did what to which thing, when. Written in the same transaction as the change it records. */
@Entity({ name: 'audit_events' })
export class AuditEventEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** The tenant the change concerns; null for platform-wide things (a platform connection). */
  @Column('uuid', { name: 'tenant_id', nullable: true })
  tenantId!: string | null;

  @Column('text', { name: 'actor_type' })
  actorType!: AuditActorType;

  /** The API key for tenant actors; null for the platform operator. */
  @Column('uuid', { name: 'actor_id', nullable: true })
  actorId!: string | null;

  /** `<thing>.<verb>`, e.g. `connection.update`. */
  @Column('text')
  action!: string;

  @Column('text', { name: 'target_type' })
  targetType!: string;

  @Column('uuid', { name: 'target_id', nullable: true })
  targetId!: string | null;

  /** What changed, sanitized: secrets appear only as "changed", never as values. */
  @Column('jsonb', { default: {} })
  change!: Record<string, unknown>;

  @Column('text', { name: 'request_id', nullable: true })
  requestId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
