import { z } from 'zod';
import { validationError } from './validation';

const uuid = z.uuid();

/**
 * Opaque cursors for newest-first lists: the id of the last row shown. Queries compare
 * `(created_at, id)` with that row's own values in SQL, so there is no loss of precision and
 * no skipped ties.
 */
export function encodeIdCursor(id: string): string {
  return Buffer.from(id).toString('base64url');
}

export function decodeIdCursor(cursor: string | undefined): string | undefined {
  if (!cursor) return undefined;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!uuid.safeParse(id).success) {
    throw validationError([{ path: 'cursor', message: 'is not a cursor this API returned' }]);
  }
  return id;
}
