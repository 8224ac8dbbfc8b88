import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { updateReturning } from './returning';

/** A batch's dispatch cursor moved on: its items at positions below `dispatchedBelow` have their job. */
export interface DispatchCursor {
  batchId: string;
  dispatchedBelow: number;
}

/** The worker's SQL on `batches`, each statement for one tenant. */
@Injectable()
export class BatchRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Closes those of `batchIds` that are done: no item queued or running, and (unless cancelling)
   * every item handed to BullMQ. One conditional statement, so when the last items of a batch
   * finish together exactly one caller closes it. Returns the ids it closed.
   */
  async closeIfDone(tenantId: string, batchIds: string[]): Promise<Set<string>> {
    const rows = await updateReturning<{ id: string }>(
      this.dataSource.manager,
      `UPDATE batches b
          SET status = CASE WHEN status = 'cancelling' THEN 'cancelled' ELSE 'completed' END, completed_at = now()
        WHERE b.tenant_id = $1 AND b.id = ANY($2::uuid[]) AND b.status IN ('in_progress', 'cancelling')
          AND (b.status = 'cancelling' OR b.dispatched_below >= b.item_count)
          AND NOT EXISTS (SELECT 1 FROM items i WHERE i.batch_id = b.id AND i.status IN ('queued', 'running'))
       RETURNING b.id`,
      [tenantId, batchIds],
    );
    return new Set(rows.map((row) => row.id));
  }

  /** Moves the dispatch cursors of the tenant's batches (in the feeder's transaction). */
  async moveDispatchCursors(tenantId: string, cursors: DispatchCursor[], manager: EntityManager): Promise<void> {
    if (cursors.length === 0) return;
    await manager.query(
      `UPDATE batches b SET dispatched_below = c.dispatched_below
         FROM unnest($2::uuid[], $3::int[]) AS c(id, dispatched_below)
        WHERE b.tenant_id = $1 AND b.id = c.id`,
      [tenantId, cursors.map((c) => c.batchId), cursors.map((c) => c.dispatchedBelow)],
    );
  }
}
