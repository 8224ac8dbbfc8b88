import type { z } from 'zod';
import { ConduitError } from './conduit-error';
import { decodeCursor, encodeCursor, idCursor, positionCursor } from './cursor';

/** What `run` threw. */
function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
}

describe('list cursors', () => {
  const id = '0f8b7c1e-4f5a-4c3b-9a7d-2b1c0e9d8f6a';

  it('gives back the row id or the position it was made from', () => {
    expect(decodeCursor(encodeCursor(id), idCursor)).toBe(id);
    expect(decodeCursor(encodeCursor(0), positionCursor)).toBe(0);
    expect(decodeCursor(encodeCursor(41), positionCursor)).toBe(41);
    expect(decodeCursor(undefined, idCursor)).toBeUndefined();
    expect(decodeCursor('', positionCursor)).toBeUndefined();
  });

  it('refuses a cursor this API did not hand out: 400 validation_failed naming the cursor', () => {
    for (const [cursor, kind] of [
      ['nope', idCursor],
      [encodeCursor('1 OR 1=1'), positionCursor],
      [encodeCursor(-1), positionCursor],
      [encodeCursor(1.5), positionCursor],
      [encodeCursor(id), positionCursor],
      [encodeCursor(7), idCursor],
    ] as [string, z.ZodType][]) {
      const refused = thrownBy(() => decodeCursor(cursor, kind));
      expect(refused).toBeInstanceOf(ConduitError);
      expect(refused).toMatchObject({ code: 'validation_failed', details: [{ path: 'cursor' }] });
    }
  });
});
