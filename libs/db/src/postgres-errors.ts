import { QueryFailedError } from 'typeorm';

const UNIQUE_VIOLATION = '23505';

/** Postgres refused a duplicate key; with `constraints`, only on one of those (index or constraint names). */
export function isUniqueViolation(error: unknown, constraints?: readonly string[]): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const { code, constraint } = error.driverError as { code?: string; constraint?: string };
  return code === UNIQUE_VIOLATION && (constraints === undefined || constraints.includes(constraint ?? ''));
}
