import { validationError } from '@conduit/common';

/** Opaque list cursors: the caller hands back what we gave, and we read the position inside. */
export function encodeCursor(position: number): string {
  return Buffer.from(JSON.stringify({ p: position })).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined || cursor === '') return -1;
  try {
    const { p } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { p?: unknown };
    if (typeof p === 'number' && Number.isInteger(p) && p >= 0) return p;
  } catch {
    // fall through to the error below
  }
  throw validationError([{ path: 'cursor', message: 'is not a cursor this API returned' }]);
}
