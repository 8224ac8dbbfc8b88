import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { EntityManager } from 'typeorm';
import type { ValidItem } from '../batch-input';
import { copyTextRow } from './copy-text';

const COPY_ITEMS = 'COPY items (tenant_id, batch_id, position, custom_id, task, input, status) FROM STDIN';
/** Rows go to Postgres in pieces of about this many characters: few writes, flat memory. */
const PIECE_CHARS = 64 * 1024;

/**
 * Stores a batch's items as they arrive, numbered 0, 1, 2… in arrival order, with one
 * `COPY … FROM STDIN` on the connection of the caller's transaction. COPY rather than multi-row
 * INSERTs: building those (TypeORM, `RETURNING *`) took about half of a large upload, ten times
 * the checking, and COPY lets Postgres store rows while the next lines are still being read.
 * Rows are stamped with the tenant here, as `TenantScopedRepository.insert` would stamp them.
 *
 * If `items` throws (a bad line, a body too large), the COPY is aborted and the error passed on,
 * and the caller's transaction rolls back. Returns how many items were stored.
 */
export async function copyItems(
  manager: EntityManager,
  batch: { tenantId: string; batchId: string },
  items: AsyncIterable<ValidItem> | Iterable<ValidItem>,
): Promise<number> {
  let count = 0;
  async function* pieces(): AsyncGenerator<string> {
    let piece = '';
    for await (const item of items) {
      const input = JSON.stringify(item.input);
      piece += copyTextRow([batch.tenantId, batch.batchId, count, item.customId, item.task, input, 'queued']);
      count += 1;
      if (piece.length >= PIECE_CHARS) {
        yield piece;
        piece = '';
      }
    }
    if (piece) yield piece;
  }
  await pipeline(pieces, connectionOf(manager).query(copyFrom(COPY_ITEMS)));
  return count;
}

/** The pg connection the transaction of `manager` runs on. */
function connectionOf(manager: EntityManager): PoolClient {
  const runner = manager.queryRunner;
  if (!runner?.isTransactionActive) throw new Error('copyItems needs the manager of an open transaction');
  // TypeORM keeps a query runner's pg connection to itself, and has no COPY of its own.
  return (runner as unknown as { databaseConnection: PoolClient }).databaseConnection;
}
