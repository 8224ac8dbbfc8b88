import { z } from 'zod';
import { validationError } from './validation';

/** A newest-first list's position: the id of the last row shown (its query compares `(created_at, id)` in SQL). */
export const idCursor = z.uuid();
/** An ordered list's position: e.g. the last item shown of a batch. */
export const positionCursor = z.coerce.number().int().nonnegative();

/** An opaque list cursor: the caller hands back what we gave, and we read the position inside. */
export function encodeCursor(position: string | number): string {
  return Buffer.from(String(position)).toString('base64url');
}

/** The position inside `cursor` (undefined for the first page), or 400 if this API did not hand it out. */
export function decodeCursor<T>(cursor: string | undefined, position: z.ZodType<T>): T | undefined {
  if (!cursor) return undefined;
  const read = position.safeParse(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (read.success) return read.data;
  throw validationError([{ path: 'cursor', message: 'is not a cursor this API returned' }]);
}
