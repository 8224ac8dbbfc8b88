import { setTimeout as sleep } from 'node:timers/promises';
import { QueryFailedError } from 'typeorm';

/** SQLSTATEs that say the connection or the server went away, not that the statement was wrong. */
const CONNECTION_SQLSTATES = new Set([
  '57P01', // admin_shutdown: the backend was terminated
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: the server is starting or recovering
  '53300', // too_many_connections
]);
const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * Whether a database call failed because the connection was lost or could not be made, so the
 * same statement may well succeed on a new connection. pg reports a connection that broke under a
 * query as a plain `Error` without a code ("Connection terminated unexpectedly"), and a refused or
 * reset socket with its errno; a statement Postgres refused carries its SQLSTATE.
 */
function isConnectionLoss(error: unknown): boolean {
  const cause = error instanceof QueryFailedError ? (error.driverError as unknown) : error;
  if (!(cause instanceof Error)) return false;
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string')
    return SQLSTATE.test(code) ? code.startsWith('08') || CONNECTION_SQLSTATES.has(code) : true;
  // A TypeError or the like is a bug in the caller, never a lost connection.
  return Object.getPrototypeOf(cause) === Error.prototype;
}

/**
 * How long a statement whose result must not be lost is retried through a database outage (a
 * restart, a failover): a worker keeps an answer it has read for that long.
 */
const KEEP_TRYING_MS = 10 * 60_000;

interface ReconnectOptions {
  /** Stop retrying once this is aborted (the process is shutting down) and throw the last error. */
  signal?: AbortSignal;
  /** Stop retrying after this long; `KEEP_TRYING_MS` by default. */
  maxMs?: number;
  /** Told of each failure that will be retried. */
  onRetry?: (error: unknown, attempt: number) => void;
}

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 5_000;

/**
 * Runs `work`, and runs it again while it fails for a lost connection (with backoff: 0.1 s doubling
 * up to 5 s), for at most `maxMs`. For statements whose result must not be lost to a database
 * restart or failover, and that are safe to send twice (conditional or idempotent writes).
 */
export async function retryOnConnectionLoss<T>(work: () => Promise<T>, options: ReconnectOptions): Promise<T> {
  const giveUpAt = Date.now() + (options.maxMs ?? KEEP_TRYING_MS);
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const delay = Math.min(FIRST_DELAY_MS * 2 ** (attempt - 1), MAX_DELAY_MS);
      if (!isConnectionLoss(error) || options.signal?.aborted || Date.now() + delay > giveUpAt) throw error;
      options.onRetry?.(error, attempt);
      await sleep(delay, undefined, { signal: options.signal }).catch(() => undefined);
    }
  }
}
