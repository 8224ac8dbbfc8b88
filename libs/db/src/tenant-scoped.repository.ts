import type { FindOptionsOrder, FindOptionsWhere, ObjectLiteral, Repository, SelectQueryBuilder } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';

/** A filter on a tenant-owned table. `tenantId` is not part of it: the scope adds it, always. */
export type ScopedWhere<E> = Omit<FindOptionsWhere<E>, 'tenantId'>;

export interface ScopedFindOptions<E> {
  where?: ScopedWhere<E>;
  order?: FindOptionsOrder<E>;
  take?: number;
}

/**
 * A repository that can only see one tenant's rows. Every tenant-owned query goes through one of
 * these (see `TenantScope`), or through a table's own repository whose every statement takes the
 * tenant (`ItemRepository`, …), so an unscoped query is hard to write by accident.
 */
export class TenantScopedRepository<E extends ObjectLiteral & { tenantId: string | null }> {
  constructor(
    private readonly repository: Repository<E>,
    readonly tenantId: string,
  ) {}

  findOne(where: ScopedWhere<E>): Promise<E | null> {
    return this.repository.findOne({ where: this.scope(where) });
  }

  find(options: ScopedFindOptions<E> = {}): Promise<E[]> {
    return this.repository.find({ ...options, where: this.scope(options.where ?? ({} as ScopedWhere<E>)) });
  }

  exists(where: ScopedWhere<E>): Promise<boolean> {
    return this.repository.exists({ where: this.scope(where) });
  }

  /** Inserts rows stamped with this tenant's id and returns them as stored (generated columns filled in). */
  async insert(rows: Partial<Omit<E, 'tenantId'>>[]): Promise<E[]> {
    if (rows.length === 0) return [];
    const entities = this.repository.create(rows.map((row) => ({ ...row, tenantId: this.tenantId }) as unknown as E));
    await this.repository.insert(entities as QueryDeepPartialEntity<E>[]);
    return entities;
  }

  /** Updates matching rows of this tenant; returns how many changed (0 means the condition did not hold). */
  async update(where: ScopedWhere<E>, patch: QueryDeepPartialEntity<E>): Promise<number> {
    const result = await this.repository.update(this.scope(where), patch);
    return result.affected ?? 0;
  }

  /** Deletes matching rows of this tenant; returns how many went. */
  async delete(where: ScopedWhere<E>): Promise<number> {
    const result = await this.repository.delete(this.scope(where));
    return result.affected ?? 0;
  }

  /** A query builder whose first condition is this tenant. Add conditions with `andWhere`. */
  queryBuilder(alias: string): SelectQueryBuilder<E> {
    return this.repository
      .createQueryBuilder(alias)
      .where(`${alias}.tenant_id = :scopeTenantId`, { scopeTenantId: this.tenantId });
  }

  private scope(where: ScopedWhere<E>): FindOptionsWhere<E> {
    return { ...where, tenantId: this.tenantId } as FindOptionsWhere<E>;
  }
}
