import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export interface RoutingTarget {
  connection_id: string;
  model: string;
  params?: { temperature?: number; max_output_tokens?: number };
  timeout_ms?: number;
  max_retries?: number;
}

export interface RoutingConstraints {
  region?: string;
}

/** Append-only: every change is a new row with the next version number. */
@Entity({ name: 'routing_policies' })
export class RoutingPolicyEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text')
  task!: string;

  @Column('int')
  version!: number;

  @Column('jsonb')
  targets!: RoutingTarget[];

  @Column('jsonb', { default: {} })
  constraints!: RoutingConstraints;

  /** The API key that made the change. */
  @Column('uuid', { name: 'updated_by', nullable: true })
  updatedBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
