import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const ITEM_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];
export const TERMINAL_ITEM_STATUSES: readonly ItemStatus[] = ['succeeded', 'failed', 'cancelled'];

export interface ItemError {
  code: string;
  message: string;
}

@Entity({ name: 'items' })
export class ItemEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'batch_id' })
  batchId!: string;

  /** 0-based place in the submitted batch: the order of listings and results, and their cursor. */
  @Column('int')
  position!: number;

  @Column('text', { name: 'custom_id' })
  customId!: string;

  @Column('text')
  task!: string;

  @Column('jsonb')
  input!: unknown;

  @Column('jsonb', { default: {} })
  options!: Record<string, unknown>;

  @Column('text')
  status!: ItemStatus;

  @Column('jsonb', { nullable: true })
  result!: unknown;

  @Column('jsonb', { nullable: true })
  error!: ItemError | null;

  /** The connection and model that produced the result (or the last one tried). */
  @Column('uuid', { name: 'connection_id', nullable: true })
  connectionId!: string | null;

  @Column('text', { nullable: true })
  model!: string | null;

  @Column('int', { name: 'policy_version', nullable: true })
  policyVersion!: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'started_at', nullable: true })
  startedAt!: Date | null;

  @Column('timestamptz', { name: 'completed_at', nullable: true })
  completedAt!: Date | null;

  /** The worker process whose run holds the item while it is running, and until when (renewed while it runs). */
  @Column('uuid', { name: 'lease_owner', nullable: true })
  leaseOwner!: string | null;

  @Column('timestamptz', { name: 'lease_until', nullable: true })
  leaseUntil!: Date | null;

  /** How many runs have claimed the item. */
  @Column('int', { default: 0 })
  runs!: number;

  /** Runs that were cut short: a later claim found the item still running (its worker died, or the run threw). */
  @Column('int', { name: 'interrupted_runs', default: 0 })
  interruptedRuns!: number;
}
