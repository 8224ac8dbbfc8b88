import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { singleFlight } from '@conduit/common';
import { AppConfig } from '@conduit/config';
import type { ConnectionLimits } from '@conduit/db';
import { defineLuaScript, REDIS, RedisKeys, type LuaScript } from '@conduit/redis';
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

type LimiterVerdict = { ok: true } | { ok: false; retryInMs: number; reason: string };

export type LimiterAcquisition =
  { ok: true; reservation: Reservation } | { ok: false; retryInMs: number; reason: string };

interface LimiterPeek {
  /** 0 when the connection is not paused. */
  pausedForMs: number;
  rpm?: { limit: number; used: number };
  /** Tokens left in the bucket; negative while settled usage exceeded the estimates (a debt). */
  tpm?: { limit: number; available: number };
  concurrency?: { limit: number; inUse: number };
  /** What `acquire` would answer now for a call of the peeked size. */
  verdict: LimiterVerdict;
}

interface AcquireOptions {
  /**
   * How long the reservation's lease lasts: after it, a worker that died mid-call no longer holds
   * a concurrency slot. Must outlast the call; default: the default target timeout plus 30 s.
   */
  leaseMs?: number;
}

/** rpm and tpm are per minute. */
const MINUTE_MS = 60_000;
// A slot frees when some call ends, which cannot be foreseen: suggest a short wait, not the lease's end.
const SLOT_RETRY_MS = 250;
const LEASE_GRACE_MS = 30_000;

/** limiter-acquire.lua's answer: refused limit or '', retry ms, pause ms, rpm used, tpm available, in use. */
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
  private readonly acquireScript: LuaScript;
  private readonly settleScript: LuaScript;
  private readonly pauseScript: LuaScript;

  constructor(
    @Inject(REDIS) private readonly redis: IORedis,
    private readonly keys: RedisKeys,
    private readonly config: AppConfig,
  ) {
    this.acquireScript = defineLuaScript(redis, 'limiter-acquire', 4);
    this.settleScript = defineLuaScript(redis, 'limiter-settle', 2);
    this.pauseScript = defineLuaScript(redis, 'limiter-pause', 1);
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
      MINUTE_MS,
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
      MINUTE_MS,
      SLOT_RETRY_MS,
    )) as ScriptReply;
  }

  private key(connectionId: string, part: 'pause' | 'rpm' | 'tpm' | 'open'): string {
    return this.keys.key('limits', connectionId, part);
  }
}

/** The limits that apply (positive whole numbers), or undefined when none does. */
/** Whether the connection has an rpm, tpm or concurrency limit (without one, `acquire` only reads the pause). */
export function hasLimits(limits: ConnectionLimits): boolean {
  return activeLimits(limits) !== undefined;
}

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
