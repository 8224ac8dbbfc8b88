/** Batches whose items may still run (a cancelling batch's running items finish), as alias `b`. */
export const OPEN_BATCH = `b.status IN ('in_progress', 'cancelling')`;
