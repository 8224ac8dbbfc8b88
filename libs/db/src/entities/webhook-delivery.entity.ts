import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/** One webhook for one closed batch, and how its attempts went. The BullMQ job id is this id. */
@Entity({ name: 'webhook_deliveries' })
export class WebhookDeliveryEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'batch_id' })
  batchId!: string;

  /** `batch.completed` or `batch.cancelled`. */
  @Column('text')
  event!: string;

  @Column('text')
  url!: string;

  @Column('text')
  status!: WebhookDeliveryStatus;

  @Column('int', { default: 0 })
  attempts!: number;

  @Column('int', { name: 'last_status_code', nullable: true })
  lastStatusCode!: number | null;

  /** Why the last attempt failed; never a response body or a secret. */
  @Column('text', { name: 'last_error', nullable: true })
  lastError!: string | null;

  /** When the next retry is due; null once the delivery succeeded or gave up. */
  @Column('timestamptz', { name: 'next_attempt_at', nullable: true })
  nextAttemptAt!: Date | null;

  @Column('timestamptz', { name: 'delivered_at', nullable: true })
  deliveredAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
