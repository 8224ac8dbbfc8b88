import type { RedisOptions } from 'ioredis';

/** Reconnect delays: 1 s, doubling, at most this long, from the first failed attempt on. */
const MAX_RECONNECT_DELAY_MS = 10_000;

/**
 * Error codes (the reply's first word) by which a Redis refuses every command of this connection
 * for now, whatever the command: it is a replica (READONLY: pointed at one, or the primary failed
 * over), it is loading its data (LOADING) or has lost its primary (MASTERDOWN), the connection is
 * not authenticated (NOAUTH), or it refuses writes: full at maxmemory (OOM) or unable to persist
 * (MISCONF).
 */
const REFUSALS = new Set(['READONLY', 'LOADING', 'MASTERDOWN', 'NOAUTH', 'OOM', 'MISCONF']);

/**
 * NOPERM counts only for scripts: every BullMQ operation is one, so a user who may not run them
 * (or not on the queue's keys) can do nothing. Another command refused to this user (INFO,
 * CLIENT) leaves the rest working, and reconnecting over it would stop everything.
 */
const SCRIPTS = new Set(['eval', 'evalsha']);

/** Whether Redis refused a command for a reason that holds for the whole connection. */
export function isRedisRefusal(error: Error & { command?: { name?: string } }): boolean {
  const code = error.message.split(' ', 1)[0];
  return REFUSALS.has(code) || (code === 'NOPERM' && SCRIPTS.has(error.command?.name ?? ''));
}

/** ioredis options from a `redis://user:pass@host:port/db` or `rediss://` URL. */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const parsed = new URL(url);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 6379,
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: Number.isInteger(db) ? db : 0,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
    // BullMQ workers block on Redis; they must wait through a Redis restart rather than give up.
    maxRetriesPerRequest: null,
    retryStrategy: (attempt) => Math.min(1_000 * 2 ** (attempt - 1), MAX_RECONNECT_DELAY_MS),
    // A refusal is treated as a lost connection: the command fails, the client reconnects after
    // `retryStrategy`'s delay, and commands sent meanwhile wait. Otherwise BullMQ's worker asks for
    // its next job again the moment Redis refuses one, thousands of times a second.
    reconnectOnError: (error) => isRedisRefusal(error),
  };
}
