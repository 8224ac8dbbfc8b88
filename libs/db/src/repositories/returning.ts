import type { EntityManager } from 'typeorm';

/** The rows an UPDATE … RETURNING gave (TypeORM answers such a statement with `[rows, count]`). */
export async function updateReturning<T>(manager: EntityManager, sql: string, parameters: unknown[]): Promise<T[]> {
  const [rows] = (await manager.query(sql, parameters)) as [T[], number];
  return rows;
}
