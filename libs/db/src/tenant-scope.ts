import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, type EntityTarget, type ObjectLiteral } from 'typeorm';
import { TenantScopedRepository } from './tenant-scoped.repository';

/** The one way to reach tenant-owned tables: every query it hands out is filtered by tenant. */
@Injectable()
export class TenantScope {
  constructor(private readonly dataSource: DataSource) {}

  /** A repository limited to `tenantId`; pass `manager` to work inside a transaction. */
  repository<E extends ObjectLiteral & { tenantId: string | null }>(
    entity: EntityTarget<E>,
    tenantId: string,
    manager: EntityManager = this.dataSource.manager,
  ): TenantScopedRepository<E> {
    return new TenantScopedRepository(manager.getRepository(entity), tenantId);
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}
