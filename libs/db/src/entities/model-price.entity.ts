import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * USD per million tokens for one model of one provider kind. A row without a connection is a
 * default (seeded by the migration, shared by every tenant); a row with one is that connection's
 * override, owned by the connection's tenant. Prices change: the defaults are a starting point.
 */
@Entity({ name: 'model_prices' })
export class ModelPriceEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** The connection's tenant for an override; null for a default. */
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

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
