/**
 * How a stopping worker ends its runs. Once `noNewCalls` is aborted (SIGTERM) a run starts no
 * further provider call: one that would (after a backoff, a wait for limits or for a call slot)
 * hands its item back instead. Once `cutCalls` is aborted (the shutdown grace is over) calls still
 * on the wire are cut short, and their items handed back too.
 */
export interface RunStop {
  noNewCalls: AbortSignal;
  cutCalls: AbortSignal;
}
