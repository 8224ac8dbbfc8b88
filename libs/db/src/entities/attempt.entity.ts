import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** `success`, the error class the call failed with, `in_flight` or `cancelled`. */
export type AttemptOutcome = string;

/** One provider call on the wire. Failed calls are recorded too: the tokens they used are billed. */
@Entity({ name: 'attempts' })
export class AttemptEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'batch_id' })
  batchId!: string;

  @Column('uuid', { name: 'item_id' })
  itemId!: string;

  @Column('uuid', { name: 'connection_id' })
  connectionId!: string;

  @Column('text', { name: 'provider_kind' })
  providerKind!: string;

  @Column('text')
  model!: string;

  /** Which of the policy's targets was called (0 = first). */
  @Column('int', { name: 'target_index' })
  targetIndex!: number;

  /** 1-based call count for this item on this target. */
  @Column('int', { name: 'call_number' })
  callNumber!: number;

  @Column('text')
  outcome!: AttemptOutcome;

  @Column('int', { name: 'http_status', nullable: true })
  httpStatus!: number | null;

  @Column('int', { name: 'latency_ms' })
  latencyMs!: number;

  @Column('int', { name: 'input_tokens' })
  inputTokens!: number;

  @Column('int', { name: 'output_tokens' })
  outputTokens!: number;

  @Column('int', { name: 'cached_tokens' })
  cachedTokens!: number;

  @Column('int', { name: 'cache_write_tokens' })
  cacheWriteTokens!: number;

  /** The part of `cacheWriteTokens` written for an hour, priced above 5-minute writes. */
  @Column('int', { name: 'cache_write_1h_tokens' })
  cacheWrite1hTokens!: number;

  @Column('int', { name: 'reasoning_tokens' })
  reasoningTokens!: number;

  /** Our cost estimate in USD from the price table. */
  @Column('numeric', { precision: 18, scale: 8, default: 0 })
  cost!: string;

  /** What the provider itself reported the call cost, when it says (OpenRouter). */
  @Column('numeric', { name: 'provider_cost', precision: 18, scale: 8, nullable: true })
  providerCost!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
