import DataLoader from 'dataloader';

/** Most keys one statement takes; more wait for the next batch. */
const MAX_BATCH = 500;

/**
 * Coalesces calls made while the event loop is busy into one call of `batch`: a worker running a
 * hundred items at once reads and writes their rows in a handful of statements instead of one
 * statement each. Nothing is cached (each call reads fresh), and a call waits at most until the
 * loop's next turn (`setImmediate`), so a lone call costs no extra latency.
 *
 * `batch` gets the keys in call order (duplicates included) and returns one value or `Error` per key.
 */
export function tickBatcher<K, V>(batch: (keys: readonly K[]) => Promise<readonly (V | Error)[]>): DataLoader<K, V> {
  return new DataLoader<K, V>(batch, {
    cache: false,
    maxBatchSize: MAX_BATCH,
    batchScheduleFn: (run) => setImmediate(run),
  });
}

/**
 * A batch function that calls `run` once per group of keys (per tenant, say, so every statement
 * stays scoped to one tenant). `run` answers its keys in order; if it throws, each of its keys
 * gets the error and the other groups are unaffected.
 */
export function perGroup<K, V>(
  groupOf: (key: K) => string,
  run: (group: string, keys: K[]) => Promise<readonly V[]>,
): (keys: readonly K[]) => Promise<(V | Error)[]> {
  return async (keys) => {
    const groups = new Map<string, number[]>();
    keys.forEach((key, index) => {
      const group = groupOf(key);
      const indexes = groups.get(group);
      if (indexes) indexes.push(index);
      else groups.set(group, [index]);
    });
    const results = new Array<V | Error>(keys.length);
    await Promise.all(
      [...groups].map(async ([group, indexes]) => {
        try {
          const values = await run(
            group,
            indexes.map((i) => keys[i]),
          );
          indexes.forEach((keyIndex, i) => (results[keyIndex] = values[i]));
        } catch (error) {
          for (const keyIndex of indexes) results[keyIndex] = error instanceof Error ? error : new Error(String(error));
        }
      }),
    );
    return results;
  };
}

/** For each key, whether it is the first in `keys` with its id: a batch's duplicates get false. */
export function firstOccurrences<K>(keys: readonly K[], idOf: (key: K) => string): boolean[] {
  const seen = new Set<string>();
  return keys.map((key) => {
    const id = idOf(key);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
