import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { singleFlight } from '@conduit/common';
import { AppConfig } from '@conduit/config';
import type { ConnectionLimits } from '@conduit/db';
import { REDIS, RedisKeys } from '@conduit/redis';
import IORedis from 'ioredis';

/** What one admitted call holds until it is settled or released. Pass it back unchanged. */
export interface Reservation {
  readonly id: string;
  readonly connectionId: string;
  /** Tokens taken from the tpm bucket (0 without a tpm limit). */
  readonly tokens: number;
  /** The tpm limit the tokens were taken under (0 = none); settling refills the bucket at its rate. */
  readonly tpm: number;
  /** Whether the call holds a lease in the open-reservations set (any tpm or max_concurrency limit). */
  readonly leased: boolean;
}

export type LimiterVerdict = { ok: true } | { ok: false; retryInMs: number; reason: string };

export type LimiterAcquisition =
  { ok: true; reservation: Reservation } | { ok: false; retryInMs: number; reason: string };

export interface LimiterPeek {
  /** 0 when the connection is not paused. */
  pausedForMs: number;
  rpm?: { limit: number; used: number };
  /** Tokens left in the bucket; negative while settled usage exceeded the estimates (a debt). */
  tpm?: { limit: number; available: number };
  concurrency?: { limit: number; inUse: number };
  /** What `acquire` would answer now for a call of the peeked size. */
  verdict: LimiterVerdict;
}

export interface AcquireOptions {
  /**
   * How long the reservation's lease lasts: after it, a worker that died mid-call no longer holds
   * a concurrency slot. Must outlast the call; default: the default target timeout plus 30 s.
   */
  leaseMs?: number;
}

const RPM_WINDOW_MS = 60_000;
// A slot frees when some call ends, which cannot be foreseen: suggest a short wait, not the lease's end.
const SLOT_RETRY_MS = 250;
const LEASE_GRACE_MS = 30_000;

/**
 * Checks every limit, then reserves on all of them or none (acquire), or only reports (peek).
 * KEYS: pause, rpm zset, tpm bucket hash, open-reservations zset.
 * ARGV: 'acquire' | 'peek', reservation id, rpm, tpm, max_concurrency (0 = not set), tokens, lease ms.
 * Returns {refused limit or '', retry ms, pause ms, rpm used, tpm available (string: may be fractional), in use}.
 *
 * - pause: a key whose PTTL is the pause left.
 * - rpm: sliding log, one zset entry per call scored by time; exact: never more than rpm calls in any 60 s.
 * - tpm: token bucket of capacity tpm refilled at tpm per minute (how providers meter tokens);
 *   settling adds or takes the difference, so the balance may go negative (a debt paid by waiting).
 *   A call larger than the whole bucket waits for a full bucket instead of never running.
 * - concurrency: zset of reservation ids scored by lease expiry; expired leases are pruned.
 * The time comes from Redis, so every worker uses the same clock.
 */
const ACQUIRE_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local dry = ARGV[1] == 'peek'
local id = ARGV[2]
local rpm, tpm, maxc = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local tokens, lease = tonumber(ARGV[6]), tonumber(ARGV[7])
local refused, retry = '', 0
-- Report the limit with the longest wait: every limit must clear before the call can run.
local function refuse(limit, ms)
  if refused == '' or ms > retry then refused, retry = limit, math.max(1, math.ceil(ms)) end
end

local paused = redis.call('PTTL', KEYS[1])
if paused > 0 then refuse('pause', paused) else paused = 0 end

local rpm_used = 0
if rpm > 0 then
  local since = now - ${RPM_WINDOW_MS}
  if not dry then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', since) end
  rpm_used = redis.call('ZCOUNT', KEYS[2], '(' .. since, '+inf')
  if rpm_used >= rpm then
    -- Wait until enough of the oldest calls have left the window (more than one if the limit was lowered).
    local e = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. since, '+inf', 'WITHSCORES', 'LIMIT', rpm_used - rpm, 1)
    refuse('rpm', tonumber(e[2]) + ${RPM_WINDOW_MS} - now)
  end
end

local available, rate = 0, 0
if tpm > 0 then
  rate = tpm / ${RPM_WINDOW_MS}
  available = tpm
  local b = redis.call('HMGET', KEYS[3], 'tokens', 'ts')
  if b[1] then available = math.min(tpm, tonumber(b[1]) + (now - tonumber(b[2])) * rate) end
  local need = math.min(tokens, tpm)
  if available < need then refuse('tpm', (need - available) / rate) end
end

local in_use = 0
if tpm > 0 or maxc > 0 then
  if not dry then redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now) end
  in_use = redis.call('ZCOUNT', KEYS[4], '(' .. now, '+inf')
  if maxc > 0 and in_use >= maxc then
    local e = redis.call('ZRANGEBYSCORE', KEYS[4], '(' .. now, '+inf', 'WITHSCORES', 'LIMIT', in_use - maxc, 1)
    refuse('max_concurrency', math.min(tonumber(e[2]) - now, ${SLOT_RETRY_MS}))
  end
end

if dry or refused ~= '' then return {refused, retry, paused, rpm_used, tostring(available), in_use} end

if rpm > 0 then
  redis.call('ZADD', KEYS[2], now, id)
  redis.call('PEXPIRE', KEYS[2], ${RPM_WINDOW_MS})
end
if tpm > 0 then
  available = available - tokens
  redis.call('HSET', KEYS[3], 'tokens', available, 'ts', now)
  -- Once full again the bucket is the same as no key at all.
  redis.call('PEXPIRE', KEYS[3], math.ceil((tpm - available) / rate) + 1000)
end
if tpm > 0 or maxc > 0 then
  redis.call('ZADD', KEYS[4], now + lease, id)
  if redis.call('PTTL', KEYS[4]) < lease then redis.call('PEXPIRE', KEYS[4], lease) end
end
return {'', 0, 0, rpm_used + 1, tostring(available), in_use + 1}
`;

/**
 * settle / release. KEYS: tpm bucket hash, open-reservations zset. ARGV: id, tpm, tokens taken, tokens used.
 * Removing the lease is the once-only switch: a second settle (or one after the lease expired)
 * finds nothing and changes nothing. Returns 1 when this call settled the reservation.
 */
const SETTLE_LUA = `
if redis.call('ZREM', KEYS[2], ARGV[1]) == 0 then return 0 end
local tpm = tonumber(ARGV[2])
if tpm > 0 then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local rate = tpm / ${RPM_WINDOW_MS}
  local available = tpm
  local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
  if b[1] then available = math.min(tpm, tonumber(b[1]) + (now - tonumber(b[2])) * rate) end
  available = math.min(tpm, available + tonumber(ARGV[3]) - tonumber(ARGV[4]))
  redis.call('HSET', KEYS[1], 'tokens', available, 'ts', now)
  redis.call('PEXPIRE', KEYS[1], math.ceil((tpm - available) / rate) + 1000)
end
return 1
`;

/** pause. KEYS: pause. ARGV: ms. Keeps a longer pause already in place. */
const PAUSE_LUA = `
local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then redis.call('SET', KEYS[1], '1', 'PX', ms) end
`;

type Script = (...keysAndArgs: (string | number)[]) => Promise<unknown>;
type ScriptReply = [string, number, number, number, string, number];

interface ActiveLimits {
  rpm: number;
  tpm: number;
  maxConcurrency: number;
}

/**
 * A connection's provider limits (rpm, tpm, max concurrency) and its provider-ordered pause, held
 * in Redis for all worker processes. A call acquires before it goes out and settles (or releases)
 * when it ends. Every operation is one round trip; with no limits set, acquire only reads the pause.
 */
@Injectable()
export class ProviderLimiter {
  // Without limits a call only checks the connection's pause: callers share a read on its way.
  private readonly pauseReads = singleFlight<number>();
  private readonly acquireScript: Script;
  private readonly settleScript: Script;
  private readonly pauseScript: Script;

  constructor(
    @Inject(REDIS) private readonly redis: IORedis,
    private readonly keys: RedisKeys,
    private readonly config: AppConfig,
  ) {
    this.acquireScript = defineScript(redis, 'conduitLimiterAcquire', ACQUIRE_LUA, 4);
    this.settleScript = defineScript(redis, 'conduitLimiterSettle', SETTLE_LUA, 2);
    this.pauseScript = defineScript(redis, 'conduitLimiterPause', PAUSE_LUA, 1);
  }

  /** Checks the pause and every limit that is set, and reserves on all of them at once, or on none. */
  async acquire(
    connectionId: string,
    limits: ConnectionLimits,
    estimatedTokens: number,
    options: AcquireOptions = {},
  ): Promise<LimiterAcquisition> {
    const active = activeLimits(limits);
    const id = randomUUID();
    if (!active) {
      const pauseKey = this.key(connectionId, 'pause');
      const pausedForMs = await this.pauseReads(pauseKey, () => this.redis.pttl(pauseKey)).result;
      if (pausedForMs > 0) return { ok: false, retryInMs: pausedForMs, reason: pauseReason(pausedForMs) };
      return { ok: true, reservation: { id, connectionId, tokens: 0, tpm: 0, leased: false } };
    }
    const tokens = active.tpm > 0 ? wholeTokens(estimatedTokens) : 0;
    const leaseMs = options.leaseMs ?? this.config.worker.defaultTimeoutMs + LEASE_GRACE_MS;
    const [refused, retryInMs] = await this.run('acquire', connectionId, id, active, tokens, leaseMs);
    if (refused) return { ok: false, retryInMs, reason: refusalReason(refused, active, retryInMs) };
    const leased = active.tpm > 0 || active.maxConcurrency > 0;
    return { ok: true, reservation: { id, connectionId, tokens, tpm: active.tpm, leased } };
  }

  /** The call ended having used `actualTokens`: correct the tpm bucket and free the slot. Idempotent. */
  async settle(reservation: Reservation, actualTokens: number): Promise<void> {
    if (!reservation.leased) return;
    await this.settleScript(
      this.key(reservation.connectionId, 'tpm'),
      this.key(reservation.connectionId, 'open'),
      reservation.id,
      reservation.tpm,
      reservation.tokens,
      reservation.tpm > 0 ? wholeTokens(actualTokens) : 0,
    );
  }

  /** The call failed before spending anything: give back its tokens and free the slot. Idempotent. */
  release(reservation: Reservation): Promise<void> {
    // The rpm entry stays: the request may have reached the provider, and rpm counts requests.
    return this.settle(reservation, 0);
  }

  /** The provider asked every caller to wait (a 429 with a retry delay). A longer pause is kept. */
  async pause(connectionId: string, ms: number): Promise<void> {
    const pauseMs = Math.ceil(ms);
    if (!(pauseMs > 0)) return;
    await this.pauseScript(this.key(connectionId, 'pause'), pauseMs);
  }

  /** Current usage, the pause, and what acquire would answer, without reserving or pruning anything. */
  async peek(connectionId: string, limits: ConnectionLimits, estimatedTokens = 0): Promise<LimiterPeek> {
    const active = activeLimits(limits);
    if (!active) {
      const pausedForMs = Math.max(0, await this.redis.pttl(this.key(connectionId, 'pause')));
      const verdict: LimiterVerdict =
        pausedForMs > 0 ? { ok: false, retryInMs: pausedForMs, reason: pauseReason(pausedForMs) } : { ok: true };
      return { pausedForMs, verdict };
    }
    const [refused, retryInMs, pausedForMs, rpmUsed, available, inUse] = await this.run(
      'peek',
      connectionId,
      '',
      active,
      wholeTokens(estimatedTokens),
      0,
    );
    const peek: LimiterPeek = {
      pausedForMs,
      verdict: refused ? { ok: false, retryInMs, reason: refusalReason(refused, active, retryInMs) } : { ok: true },
    };
    if (active.rpm > 0) peek.rpm = { limit: active.rpm, used: rpmUsed };
    if (active.tpm > 0) peek.tpm = { limit: active.tpm, available: Math.floor(Number(available)) };
    if (active.maxConcurrency > 0) peek.concurrency = { limit: active.maxConcurrency, inUse };
    return peek;
  }

  private async run(
    mode: 'acquire' | 'peek',
    connectionId: string,
    id: string,
    active: ActiveLimits,
    tokens: number,
    leaseMs: number,
  ): Promise<ScriptReply> {
    return (await this.acquireScript(
      this.key(connectionId, 'pause'),
      this.key(connectionId, 'rpm'),
      this.key(connectionId, 'tpm'),
      this.key(connectionId, 'open'),
      mode,
      id,
      active.rpm,
      active.tpm,
      active.maxConcurrency,
      tokens,
      leaseMs,
    )) as ScriptReply;
  }

  private key(connectionId: string, part: 'pause' | 'rpm' | 'tpm' | 'open'): string {
    return this.keys.key('limits', connectionId, part);
  }
}

/** Whether any of rpm, tpm or concurrency is set; without them a reservation takes nothing. */
export function hasActiveLimits(limits: ConnectionLimits): boolean {
  return activeLimits(limits) !== undefined;
}

/** The limits that apply (positive whole numbers), or undefined when none does. */
function activeLimits(limits: ConnectionLimits): ActiveLimits | undefined {
  const active = {
    rpm: positive(limits.rpm),
    tpm: positive(limits.tpm),
    maxConcurrency: positive(limits.max_concurrency),
  };
  return active.rpm + active.tpm + active.maxConcurrency > 0 ? active : undefined;
}

function positive(value: number | undefined | null): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 1 ? Math.floor(value) : 0;
}

function wholeTokens(tokens: number): number {
  return Number.isFinite(tokens) && tokens > 0 ? Math.ceil(tokens) : 0;
}

function pauseReason(ms: number): string {
  return `paused by the provider for ${ms} ms`;
}

function refusalReason(limit: string, active: ActiveLimits, retryInMs: number): string {
  switch (limit) {
    case 'pause':
      return pauseReason(retryInMs);
    case 'rpm':
      return `rpm limit ${active.rpm} reached`;
    case 'tpm':
      return `tpm limit ${active.tpm} reached`;
    default:
      return `max_concurrency ${active.maxConcurrency} reached`;
  }
}

/** ioredis sends EVALSHA and falls back to EVAL once if Redis lost its script cache. */
function defineScript(redis: IORedis, name: string, lua: string, numberOfKeys: number): Script {
  redis.defineCommand(name, { lua, numberOfKeys });
  return (redis as unknown as Record<string, Script>)[name].bind(redis);
}
