import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * USD per million tokens for one model of one provider kind, one rate per token class a provider
 * bills. A row without a connection is a default (seeded by the migration, shared by every
 * tenant); a row with one is that connection's override. Prices change: the defaults are a
 * starting point. A rate left null is derived (`toModelPrice` in libs/accounting).
 */
@Entity({ name: 'model_prices' })
export class ModelPriceEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** The connection's tenant for a tenant connection's override; null for a default or a platform connection's. */
  @Column('uuid', { name: 'tenant_id', nullable: true })
  tenantId!: string | null;

  @Column('text', { name: 'provider_kind' })
  providerKind!: string;

  @Column('text')
  model!: string;

  /** Null for a default price; set for a per-connection override. */
  @Column('uuid', { name: 'connection_id', nullable: true })
  connectionId!: string | null;

  @Column('numeric', { name: 'input_per_million', precision: 18, scale: 6 })
  inputPerMillion!: string;

  @Column('numeric', { name: 'output_per_million', precision: 18, scale: 6 })
  outputPerMillion!: string;

  /** Cache reads; null means they cost the input rate. */
  @Column('numeric', { name: 'cached_input_per_million', precision: 18, scale: 6, nullable: true })
  cachedInputPerMillion!: string | null;

  /** Cache writes (5-minute lifetime); null: Claude models 1.25× input, others the input rate. */
  @Column('numeric', { name: 'cache_write_per_million', precision: 18, scale: 6, nullable: true })
  cacheWritePerMillion!: string | null;

  /** 1-hour cache writes; null: Claude models 2× input, others the 5-minute rate. */
  @Column('numeric', { name: 'cache_write_1h_per_million', precision: 18, scale: 6, nullable: true })
  cacheWrite1hPerMillion!: string | null;

  /** Reasoning (thinking) output; null means it costs the output rate. */
  @Column('numeric', { name: 'reasoning_per_million', precision: 18, scale: 6, nullable: true })
  reasoningPerMillion!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
