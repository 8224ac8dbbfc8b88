import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { singleFlight } from '@conduit/common';
import { AppConfig } from '@conduit/config';
import { ProviderErrorClass } from '@conduit/providers';
import { defineLuaScript, REDIS, RedisKeys, type LuaScript } from '@conduit/redis';
import IORedis from 'ioredis';

/** A breaker guards one model on one connection: one model can be down while the others answer. */
export interface BreakerTarget {
  connectionId: string;
  model: string;
}

type BreakerState = 'closed' | 'open' | 'half_open';

export type BreakerAdmission =
  /** `clean`: closed with no failure in its log, so a success has nothing to forget. */
  { allowed: true; probe: boolean; clean: boolean } | { allowed: false; reason: string; retryInMs: number };

interface BreakerPeek {
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
const BREAKER_FAILURE_CLASSES: ReadonlySet<ProviderErrorClass> = new Set([
  ProviderErrorClass.ServerError,
  ProviderErrorClass.Overloaded,
  ProviderErrorClass.Timeout,
  ProviderErrorClass.Network,
]);

const STATES: readonly BreakerState[] = ['closed', 'open', 'half_open'];

/**
 * Circuit breaker per connection and model, shared by every worker through Redis.
 * Closed → (threshold health failures within the window) → open for the cooldown → half-open:
 * exactly one caller gets the probe; its success closes, its failure opens for another cooldown.
 * Each operation is one Lua script (`breaker-*.lua` in libs/redis: one round trip, atomic), and
 * every key has a TTL.
 */
@Injectable()
export class CircuitBreaker {
  // Calls to one target that start while its admission is being read share that read.
  private readonly admissions = singleFlight<BreakerAdmission>();
  private readonly admitScript: LuaScript;
  private readonly failureScript: LuaScript;
  private readonly successScript: LuaScript;
  private readonly peekScript: LuaScript;

  constructor(
    @Inject(REDIS) private readonly redis: IORedis,
    private readonly keys: RedisKeys,
    private readonly config: AppConfig,
  ) {
    // Each takes the state hash and the failures zset, and reads the clock from Redis, so workers
    // with skewed clocks agree on every deadline.
    this.admitScript = defineLuaScript(redis, 'breaker-admit', 2);
    this.failureScript = defineLuaScript(redis, 'breaker-record-failure', 2);
    this.successScript = defineLuaScript(redis, 'breaker-record-success', 2);
    this.peekScript = defineLuaScript(redis, 'breaker-peek', 2);
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
