import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const BATCH_STATUSES = ['in_progress', 'completed', 'cancelling', 'cancelled'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

@Entity({ name: 'batches' })
export class BatchEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'api_key_id' })
  apiKeyId!: string;

  /** The caller's end-user id (like OpenAI's `user`), for usage attribution. */
  @Column('text', { name: 'end_user', nullable: true })
  endUser!: string | null;

  @Column('text', { name: 'idempotency_key', nullable: true })
  idempotencyKey!: string | null;

  @Column('text', { name: 'request_hash', nullable: true })
  requestHash!: string | null;

  @Column('text')
  status!: BatchStatus;

  @Column('int', { name: 'item_count' })
  itemCount!: number;

  /** Items at positions below this have been handed to BullMQ (the feeder goes in position order). */
  @Column('int', { name: 'dispatched_below', default: 0 })
  dispatchedBelow!: number;

  @Column('text', { name: 'webhook_url', nullable: true })
  webhookUrl!: string | null;

  @Column('jsonb', { default: {} })
  metadata!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'completed_at', nullable: true })
  completedAt!: Date | null;
}
