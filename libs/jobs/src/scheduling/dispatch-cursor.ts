/** Batches `b` whose items may still run (a cancelling batch's running items finish). */
export const OPEN_BATCH = `b.status IN ('in_progress', 'cancelling')`;

/**
 * Items `i` of batch `b` that are in BullMQ as far as Postgres knows: still open, and below the
 * batch's dispatch cursor (the feeder hands a batch's items over in position order).
 */
export const DISPATCHED_OPEN_ITEM = `i.batch_id = b.id AND i.status IN ('queued', 'running') AND i.position < b.dispatched_below`;
