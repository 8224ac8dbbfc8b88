import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import type {
  FindOptionsOrder,
  FindOptionsWhere,
  ObjectLiteral,
  Repository,
  SelectQueryBuilder,
  UpdateQueryBuilder,
} from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';

/** A filter on a tenant-owned table. `tenantId` is not part of it: the scope adds it, always. */
export type ScopedWhere<E> = Omit<FindOptionsWhere<E>, 'tenantId'>;

export interface ScopedFindOptions<E> {
  where?: ScopedWhere<E>;
  order?: FindOptionsOrder<E>;
  take?: number;
}

/** Rows of another table to update along with `updateEach`'s, in the same statement. */
export interface AlsoUpdate<O extends ObjectLiteral & { tenantId: string | null }> {
  repository: TenantScopedRepository<O>;
  rows: (Partial<O> & { id: string })[];
  set: (keyof O & string)[];
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
    return this.entitiesOf(result.raw);
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

  /**
   * Inserts many rows stamped with this tenant's id in one statement, without reading them back
   * (cheaper than `insert` on hot paths). Every row must give the same properties. `onSent` is
   * called once the statement is on its way to Postgres, before it is answered.
   */
  async insertEach(rows: Partial<Omit<E, 'tenantId'>>[], onSent?: () => void): Promise<void> {
    if (rows.length === 0) return;
    const properties = [...Object.keys(rows[0]), 'tenantId'];
    const stamped = rows.map((row) => ({ ...row, tenantId: this.tenantId }));
    const columns = this.columnList(properties);
    if (stamped.length === 1) {
      const placeholders = properties.map((_, i) => `$${i + 1}`).join(', ');
      const sql = `INSERT INTO "${this.table}" (${columns}) VALUES (${placeholders})`;
      await this.direct(sql, this.parameters(stamped[0], properties), onSent);
      return;
    }
    const sql = `INSERT INTO "${this.table}" (${columns}) SELECT ${columns} FROM ${this.recordsetOf('$1')}`;
    await this.direct(sql, [this.recordsetJson(stamped, properties)], onSent);
  }

  /**
   * Updates many rows of this tenant, each with its own values, in one statement. Each row gives
   * its `id` and the values of the properties named in `set`; `condition` (SQL on alias `t`) must
   * hold as well. Returns the ids that were updated. `also` updates rows of another of this
   * tenant's tables in the same statement (so both are written or neither), whatever `condition`.
   */
  async updateEach<O extends ObjectLiteral & { tenantId: string | null }>(
    rows: (Partial<E> & { id: string })[],
    set: (keyof E & string)[],
    condition = 'TRUE',
    also?: AlsoUpdate<O>,
  ) {
    if (rows.length === 0) return new Set<string>();
    const companion = also && also.rows.length > 0 ? also : undefined;
    if (rows.length === 1 && !companion) {
      // A lone row (the latency path) is a plain, prepared statement. Its tenant condition is written
      // so that no index can serve it: the generic plan then always finds the row by primary key
      // (with `tenant_id = $1` it may walk the tenant's index when planned before any ANALYZE).
      const assignments = set.map((property, i) => `"${this.column(property)}" = $${i + 3}`);
      const updated = await this.direct(
        `UPDATE "${this.table}" t SET ${assignments.join(', ')}
          WHERE t.id = $2 AND (t.tenant_id = $1) IS TRUE AND (${condition}) RETURNING t.id`,
        [this.tenantId, rows[0].id, ...this.parameters(rows[0], set)],
      );
      return new Set(updated.map((row) => row.id as string));
    }
    if (companion && companion.repository.tenantId !== this.tenantId) {
      throw new Error('updateEach: `also` must update rows of the same tenant');
    }
    const parameters: unknown[] = [this.tenantId, this.recordsetJson(rows, ['id', ...set]), rows.map((row) => row.id)];
    let sql = this.updateFromRecordset(set, condition, '$2', '$3') + ' RETURNING t.id';
    if (companion) {
      parameters.push(
        companion.repository.recordsetJson(companion.rows, ['id', ...companion.set]),
        companion.rows.map((row) => row.id),
      );
      // A data-modifying WITH runs exactly once, whether or not the main UPDATE changes a row.
      sql = `WITH also AS (${companion.repository.updateFromRecordset(companion.set, 'TRUE', '$4', '$5')}) ${sql}`;
    }
    // TypeORM answers an UPDATE … RETURNING with [rows, count].
    const [updated] = (await this.repository.query(sql, parameters)) as [{ id: string }[], number];
    return new Set(updated.map((row) => row.id));
  }

  /**
   * `UPDATE … FROM` a recordset (alias `v`) of this tenant's rows, `$1` being the tenant id.
   * `t.id = ANY(ids)` lets the planner probe the primary key: joined with the recordset alone it
   * scans the tenant's rows whenever it has no statistics telling it the table is large.
   */
  private updateFromRecordset(set: string[], condition: string, recordset: string, ids: string): string {
    const assignments = set.map((property) => `"${this.column(property)}" = v."${this.column(property)}"`);
    return `UPDATE "${this.table}" t SET ${assignments.join(', ')} FROM ${this.recordsetOf(recordset)} v
      WHERE t.tenant_id = $1 AND t.id = ANY(${ids}::uuid[]) AND t.id = v.id AND (${condition})`;
  }

  /**
   * Runs a statement of the latency path and returns its rows. Outside a transaction it goes
   * straight to a pooled connection, skipping TypeORM's query runner, as a named statement: parsed
   * and planned once per connection; `onSent` is called once it is written to the connection.
   * Inside a transaction it runs on the transaction's own connection (`onSent` with the answer).
   */
  private async direct(sql: string, parameters: unknown[], onSent?: () => void): Promise<Record<string, unknown>[]> {
    const { manager } = this.repository;
    if (manager.queryRunner) {
      const result: unknown = await this.repository.query(sql, parameters);
      onSent?.();
      // TypeORM answers an UPDATE … RETURNING with [rows, count], an INSERT with its rows.
      return (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as Record<string, unknown>[];
    }
    const pool = (manager.connection.driver as PostgresDriver).master as Pool;
    const client = await pool.connect();
    try {
      // An idle pooled client writes the statement to its socket within this call.
      const answer = client.query({ name: statementName(sql), text: sql, values: parameters });
      onSent?.();
      const { rows } = await answer;
      client.release();
      return rows;
    } catch (error) {
      client.release(error as Error); // as pool.query does: a client whose statement failed is not reused
      throw error;
    }
  }

  /**
   * A condition for `updateQuery` that locks the rows matching `where` in id order. Statements
   * that lock many rows of a table at once (a worker's batched claims, a batch cancel) then wait
   * for each other but never deadlock.
   */
  inIdOrder(where: string): string {
    return `id IN (SELECT id FROM "${this.table}" WHERE tenant_id = :scopeTenantId AND ${where} ORDER BY id FOR UPDATE)`;
  }

  /** Runs an UPDATE made with `updateQuery` and returns the rows it changed. */
  async updateReturning(query: UpdateQueryBuilder<E>): Promise<E[]> {
    return this.entitiesOf((await query.returning('*').execute()).raw);
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

  /** A row's values as statement parameters; jsonb values as JSON text (pg would send arrays as SQL arrays). */
  private parameters(row: Record<string, unknown>, properties: string[]): unknown[] {
    return properties.map((property) => {
      const value = row[property] ?? null;
      const type = this.repository.metadata.findColumnWithPropertyName(property)?.type;
      return value !== null && (type === 'jsonb' || type === 'json') ? JSON.stringify(value) : value;
    });
  }

  // A plain loop, not Object.fromEntries: this runs for every row the worker writes.
  private recordsetJson(rows: Record<string, unknown>[], properties: string[]): string {
    const columns = properties.map((property) => this.column(property));
    const records = rows.map((row) => {
      const record: Record<string, unknown> = {};
      for (let i = 0; i < properties.length; i++) record[columns[i]] = row[properties[i]];
      return record;
    });
    return JSON.stringify(records);
  }

  // RETURNING * gives column names; map them back to property names. What `repository.create`
  // would make of them (no column of ours has a transformer), without its per-row metadata walk.
  private entitiesOf(returned: unknown): E[] {
    const { metadata } = this.repository;
    return (returned as Record<string, unknown>[]).map((raw) => {
      const entity = metadata.create() as Record<string, unknown>;
      for (const column of metadata.columns) {
        if (column.databaseName in raw) entity[column.propertyName] = raw[column.databaseName];
      }
      return entity as E;
    });
  }
}

const statementNames = new Map<string, string>();

/** A prepared statement's name, the same for the same text (a few dozen texts in all). */
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (!name) {
    name = `conduit_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    statementNames.set(sql, name);
  }
  return name;
}
