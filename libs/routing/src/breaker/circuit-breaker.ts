import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { singleFlight } from '@conduit/common';
import { AppConfig } from '@conduit/config';
import { ProviderErrorClass } from '@conduit/providers';
import { REDIS, RedisKeys } from '@conduit/redis';
import IORedis from 'ioredis';

/** A breaker guards one model on one connection: one model can be down while the others answer. */
export interface BreakerTarget {
  connectionId: string;
  model: string;
}

export type BreakerState = 'closed' | 'open' | 'half_open';

export type BreakerAdmission =
  /** `clean`: closed with no failure in its log, so a success has nothing to forget. */
  { allowed: true; probe: boolean; clean: boolean } | { allowed: false; reason: string; retryInMs: number };

export interface BreakerPeek {
  state: BreakerState;
  /** Health failures inside the current window. */
  failures: number;
  /** Set while calls are refused: until the cooldown ends, or at the latest until the probe's lease ends. */
  retryInMs?: number;
}

/**
 * The error classes that say the target itself is unhealthy. Everything else is either handled
 * elsewhere (rate_limited: the limiter's pause) or says nothing about the target's health.
 */
export const BREAKER_FAILURE_CLASSES: ReadonlySet<ProviderErrorClass> = new Set([
  ProviderErrorClass.ServerError,
  ProviderErrorClass.Overloaded,
  ProviderErrorClass.Timeout,
  ProviderErrorClass.Network,
]);

// Every script reads the clock from Redis, so workers with skewed clocks agree on every deadline.
const NOW_MS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * admit. KEYS: state hash, failures zset. ARGV: probe lease ms, state ttl after the lease ms.
 * Returns {code, ms}: 0 closed (ms: 1 if failures are logged, else 0), 1 the caller is the probe,
 * 2 open for ms more, 3 a probe holds a lease for ms more.
 * The HSET of probe_until inside the script is what makes the probe unique across all workers.
 */
const ADMIT_LUA = `${NOW_MS}
local open_until = tonumber(redis.call('HGET', KEYS[1], 'open_until'))
if not open_until then return {0, redis.call('EXISTS', KEYS[2])} end
if now < open_until then return {2, open_until - now} end
local probe_until = tonumber(redis.call('HGET', KEYS[1], 'probe_until'))
if probe_until and now < probe_until then return {3, probe_until - now} end
local lease = tonumber(ARGV[1])
redis.call('HSET', KEYS[1], 'probe_until', now + lease)
redis.call('PEXPIRE', KEYS[1], lease + tonumber(ARGV[2]))
return {1, 0}
`;

/**
 * recordFailure for a health failure. KEYS: state hash, failures zset.
 * ARGV: threshold, window ms, cooldown ms, state ttl after the cooldown ms, unique member.
 * Sliding log: one zset entry per failure, scored by time, trimmed to the window.
 * Closed: opens when the window holds threshold failures. Open: a late failure of a call admitted
 * before it opened changes nothing. Half-open (cooldown over): the probe failed, so open again.
 */
const RECORD_FAILURE_LUA = `${NOW_MS}
local threshold, window, cooldown = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZADD', KEYS[2], now, ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
redis.call('PEXPIRE', KEYS[2], window)
local open_until = tonumber(redis.call('HGET', KEYS[1], 'open_until'))
if open_until then
  if now < open_until then return 0 end
elseif redis.call('ZCARD', KEYS[2]) < threshold then
  return 0
end
redis.call('HSET', KEYS[1], 'open_until', now + cooldown)
redis.call('HDEL', KEYS[1], 'probe_until')
redis.call('PEXPIRE', KEYS[1], cooldown + tonumber(ARGV[4]))
return 1
`;

/**
 * recordSuccess. KEYS: state hash, failures zset. Closes unless the cooldown is still running:
 * a late success of a call admitted before the breaker opened is not proof enough; the probe decides.
 */
const RECORD_SUCCESS_LUA = `${NOW_MS}
local open_until = tonumber(redis.call('HGET', KEYS[1], 'open_until'))
if open_until and now < open_until then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
`;

/** peek, read-only. KEYS: state hash, failures zset. ARGV: window ms. Returns {state, failures, ms or -1}. */
const PEEK_LUA = `${NOW_MS}
local failures = redis.call('ZCOUNT', KEYS[2], '(' .. (now - tonumber(ARGV[1])), '+inf')
local open_until = tonumber(redis.call('HGET', KEYS[1], 'open_until'))
if not open_until then return {0, failures, -1} end
if now < open_until then return {1, failures, open_until - now} end
local probe_until = tonumber(redis.call('HGET', KEYS[1], 'probe_until'))
if probe_until and now < probe_until then return {2, failures, probe_until - now} end
return {2, failures, -1}
`;

type Script = (...keysAndArgs: (string | number)[]) => Promise<unknown>;

const STATES: readonly BreakerState[] = ['closed', 'open', 'half_open'];

/**
 * Circuit breaker per connection and model, shared by every worker through Redis.
 * Closed → (threshold health failures within the window) → open for the cooldown → half-open:
 * exactly one caller gets the probe; its success closes, its failure opens for another cooldown.
 * Each operation is one Lua script (one round trip, atomic), and every key has a TTL.
 */
@Injectable()
export class CircuitBreaker {
  // Calls to one target that start while its admission is being read share that read.
  private readonly admissions = singleFlight<BreakerAdmission>();
  private readonly admitScript: Script;
  private readonly failureScript: Script;
  private readonly successScript: Script;
  private readonly peekScript: Script;

  constructor(
    @Inject(REDIS) private readonly redis: IORedis,
    private readonly keys: RedisKeys,
    private readonly config: AppConfig,
  ) {
    this.admitScript = defineScript(redis, 'conduitBreakerAdmit', ADMIT_LUA, 2);
    this.failureScript = defineScript(redis, 'conduitBreakerFailure', RECORD_FAILURE_LUA, 2);
    this.successScript = defineScript(redis, 'conduitBreakerSuccess', RECORD_SUCCESS_LUA, 2);
    this.peekScript = defineScript(redis, 'conduitBreakerPeek', PEEK_LUA, 2);
  }

  /**
   * May this target be called now? In half-open, only the one caller that gets `probe: true`.
   * Callers that ask while another caller's look at the breaker is on its way share its answer
   * (closed or open); in half-open that caller is the probe and they wait for its outcome.
   */
  async admit(target: BreakerTarget): Promise<BreakerAdmission> {
    const { result, joined } = this.admissions(this.stateKey(target), () => this.admitOnce(target));
    const admission = await result;
    if (!joined || !(admission.allowed && admission.probe)) return admission;
    return { allowed: false, reason: HALF_OPEN_REASON, retryInMs: this.settings().cooldownMs };
  }

  private async admitOnce(target: BreakerTarget): Promise<BreakerAdmission> {
    const { cooldownMs } = this.settings();
    // The probe's lease: if its worker dies without reporting, another caller may probe after it.
    const [code, ms] = (await this.admitScript(
      this.stateKey(target),
      this.failuresKey(target),
      cooldownMs,
      cooldownMs,
    )) as [number, number];
    if (code === 0) return { allowed: true, probe: false, clean: ms === 0 };
    if (code === 1) return { allowed: true, probe: true, clean: false };
    return { allowed: false, reason: code === 2 ? openReason(ms) : HALF_OPEN_REASON, retryInMs: ms };
  }

  /**
   * The target answered: close the breaker and forget its failures (unless the cooldown still runs).
   * After a `clean` admission there is nothing to forget, and no Redis call is made: on a healthy
   * target that halves the breaker's cost per call.
   */
  async recordSuccess(target: BreakerTarget, admission?: BreakerAdmission): Promise<void> {
    if (admission?.allowed && admission.clean) return;
    await this.successScript(this.stateKey(target), this.failuresKey(target));
  }

  /**
   * A call failed. Only health failures count; any other class says nothing about health, so if
   * it came from the probe, the probe is given back and the next caller probes instead.
   */
  async recordFailure(target: BreakerTarget, errorClass: ProviderErrorClass): Promise<void> {
    if (!BREAKER_FAILURE_CLASSES.has(errorClass)) return this.releaseProbe(target);
    const { threshold, windowMs, cooldownMs } = this.settings();
    await this.failureScript(
      this.stateKey(target),
      this.failuresKey(target),
      threshold,
      windowMs,
      cooldownMs,
      cooldownMs,
      randomUUID(),
    );
  }

  /**
   * Gives the half-open probe back without a verdict, e.g. when the limiter refused the call the
   * probe was admitted for. Harmless when there is no probe.
   */
  async releaseProbe(target: BreakerTarget): Promise<void> {
    await this.redis.hdel(this.stateKey(target), 'probe_until');
  }

  /** The breaker's state without changing it (for dry-runs and the admin view). */
  async peek(target: BreakerTarget): Promise<BreakerPeek> {
    const [state, failures, ms] = (await this.peekScript(
      this.stateKey(target),
      this.failuresKey(target),
      this.settings().windowMs,
    )) as [number, number, number];
    return ms >= 0 ? { state: STATES[state], failures, retryInMs: ms } : { state: STATES[state], failures };
  }

  private settings() {
    const { breakerFailureThreshold, breakerWindowMs, breakerCooldownMs } = this.config.routing;
    return { threshold: breakerFailureThreshold, windowMs: breakerWindowMs, cooldownMs: breakerCooldownMs };
  }

  // The suffix comes last, so a model name containing ':' cannot make two targets share a key.
  private stateKey(target: BreakerTarget): string {
    return this.keys.key('breaker', target.connectionId, target.model, 'state');
  }

  private failuresKey(target: BreakerTarget): string {
    return this.keys.key('breaker', target.connectionId, target.model, 'failures');
  }
}

const HALF_OPEN_REASON = 'circuit breaker half-open: a probe call is testing the target';

const openReason = (ms: number) => `circuit breaker open after repeated failures, for another ${ms} ms`;

/** ioredis sends EVALSHA and falls back to EVAL once if Redis lost its script cache. */
function defineScript(redis: IORedis, name: string, lua: string, numberOfKeys: number): Script {
  redis.defineCommand(name, { lua, numberOfKeys });
  return (redis as unknown as Record<string, Script>)[name].bind(redis);
}
