import type {
  FindOptionsOrder,
  FindOptionsWhere,
  ObjectLiteral,
  Repository,
  SelectQueryBuilder,
  UpdateQueryBuilder,
} from 'typeorm';
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
 * these (see `TenantScope`), so an unscoped query is hard to write by accident.
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

  /** Inserts rows stamped with this tenant's id and returns them as stored. */
  async insert(rows: Partial<Omit<E, 'tenantId'>>[]): Promise<E[]> {
    if (rows.length === 0) return [];
    const stamped = rows.map((row) => ({ ...row, tenantId: this.tenantId }) as unknown as QueryDeepPartialEntity<E>);
    const result = await this.repository.createQueryBuilder().insert().values(stamped).returning('*').execute();
    return (result.raw as Record<string, unknown>[]).map((raw) => this.repository.create(this.fromRaw(raw)));
  }

  /** Updates matching rows of this tenant; returns how many changed (0 means the condition did not hold). */
  async update(where: ScopedWhere<E>, patch: QueryDeepPartialEntity<E>): Promise<number> {
    const result = await this.repository.update(this.scope(where), patch);
    return result.affected ?? 0;
  }

  /**
   * Inserts many rows stamped with this tenant's id in one statement, without reading them back
   * (cheaper than `insert` on hot paths). Every row must give the same properties.
   */
  async insertEach(rows: Partial<Omit<E, 'tenantId'>>[]): Promise<void> {
    if (rows.length === 0) return;
    const properties = [...Object.keys(rows[0]), 'tenantId'];
    const columns = this.columnList(properties);
    await this.repository.query(
      `INSERT INTO "${this.table}" (${columns}) SELECT ${columns} FROM ${this.recordsetOf('$1')}`,
      [this.recordsetJson(rows.map((row) => ({ ...row, tenantId: this.tenantId })), properties)],
    );
  }

  /**
   * Updates many rows of this tenant, each with its own values, in one statement. Each row gives
   * its `id` and the values of the properties named in `set`; `condition` (SQL on alias `t`) must
   * hold as well. Returns the ids that were updated.
   */
  async updateEach(rows: (Partial<E> & { id: string })[], set: (keyof E & string)[], condition = 'TRUE') {
    if (rows.length === 0) return new Set<string>();
    const assignments = set.map((property) => `"${this.column(property)}" = v."${this.column(property)}"`);
    // TypeORM answers an UPDATE … RETURNING with [rows, count].
    const [updated] = (await this.repository.query(
      `UPDATE "${this.table}" t SET ${assignments.join(', ')} FROM ${this.recordsetOf('$2')} v
        WHERE t.tenant_id = $1 AND t.id = v.id AND (${condition})
        RETURNING t.id`,
      [this.tenantId, this.recordsetJson(rows, ['id', ...set])],
    )) as [{ id: string }[], number];
    return new Set(updated.map((row) => row.id));
  }

  /** Runs an UPDATE made with `updateQuery` and returns the rows it changed. */
  async updateReturning(query: UpdateQueryBuilder<E>): Promise<E[]> {
    const result = await query.returning('*').execute();
    return (result.raw as Record<string, unknown>[]).map((raw) => this.repository.create(this.fromRaw(raw)));
  }

  /** A query builder whose first condition is this tenant. Add conditions with `andWhere`. */
  queryBuilder(alias: string): SelectQueryBuilder<E> {
    return this.repository
      .createQueryBuilder(alias)
      .where(`${alias}.tenant_id = :scopeTenantId`, { scopeTenantId: this.tenantId });
  }

  /** An UPDATE limited to this tenant's rows, for conditional updates. Add conditions with `andWhere`. */
  updateQuery(patch: QueryDeepPartialEntity<E>): UpdateQueryBuilder<E> {
    return this.repository
      .createQueryBuilder()
      .update()
      .set(patch)
      .where('tenant_id = :scopeTenantId', { scopeTenantId: this.tenantId });
  }

  private scope(where: ScopedWhere<E>): FindOptionsWhere<E> {
    return { ...where, tenantId: this.tenantId } as FindOptionsWhere<E>;
  }

  private get table(): string {
    return this.repository.metadata.tableName;
  }

  private column(property: string): string {
    const found = this.repository.metadata.findColumnWithPropertyName(property);
    if (!found) throw new Error(`${this.table} has no property ${property}`);
    return found.databaseName;
  }

  private columnList(properties: string[]): string {
    return properties.map((property) => `"${this.column(property)}"`).join(', ');
  }

  // Rows passed as one JSON parameter and typed by the table's own row type: jsonb stays jsonb,
  // timestamps parse, and there are no casts to keep in step with the schema.
  private recordsetOf(parameter: string): string {
    return `jsonb_populate_recordset(NULL::"${this.table}", ${parameter}::jsonb)`;
  }

  private recordsetJson(rows: Record<string, unknown>[], properties: string[]): string {
    const columns = properties.map((property) => this.column(property));
    return JSON.stringify(
      rows.map((row) => Object.fromEntries(properties.map((property, i) => [columns[i], row[property]]))),
    );
  }

  // RETURNING * gives column names; map them back to property names.
  private fromRaw(raw: Record<string, unknown>): E {
    const entity: Record<string, unknown> = {};
    for (const column of this.repository.metadata.columns) {
      if (column.databaseName in raw) entity[column.propertyName] = raw[column.databaseName];
    }
    return entity as E;
  }
}
