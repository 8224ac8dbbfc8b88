/** A shared call: its answer, and whether this caller joined a call another caller started. */
interface Flight<V> {
  result: Promise<V>;
  joined: boolean;
}

/**
 * Callers asking for the same key while a call for it is in flight share that call instead of
 * starting their own: for reads whose answer is as good for a caller that asked a moment later
 * (a worker with hundreds of calls starting together reads a breaker once, not once per call).
 * The first caller starts the call at once, so a lone caller waits for nothing extra.
 */
export function singleFlight<V>(): (key: string, call: () => Promise<V>) => Flight<V> {
  const inFlight = new Map<string, Promise<V>>();
  return (key, call) => {
    const running = inFlight.get(key);
    if (running) return { result: running, joined: true };
    const result = call().finally(() => inFlight.delete(key));
    inFlight.set(key, result);
    return { result, joined: false };
  };
}
