import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppConfig } from '@conduit/config';
import { ProviderErrorClass } from '@conduit/providers';
import { RedisKeys, redisOptionsFromUrl } from '@conduit/redis';
import IORedis from 'ioredis';
import { CircuitBreaker, type BreakerTarget } from './circuit-breaker';

// Medium tests: the real local Redis, a random key prefix per test, its keys deleted afterwards.
const config = new AppConfig({ BREAKER_FAILURE_THRESHOLD: '3', BREAKER_WINDOW_MS: '1000', BREAKER_COOLDOWN_MS: '200' });
const COOLDOWN_MS = 200;

describe('CircuitBreaker (real Redis)', () => {
  let keys: RedisKeys;
  let clients: IORedis[];
  let breaker: CircuitBreaker;
  /** A second worker process: its own connection, same deployment prefix. */
  let otherWorker: CircuitBreaker;
  let target: BreakerTarget;

  beforeEach(() => {
    keys = new RedisKeys(`test-${randomBytes(6).toString('hex')}`);
    clients = [0, 1].map(() => new IORedis(redisOptionsFromUrl(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')));
    breaker = new CircuitBreaker(clients[0], keys, config);
    otherWorker = new CircuitBreaker(clients[1], keys, config);
    target = { connectionId: randomUUID(), model: 'llama3:8b' };
  });

  afterEach(async () => {
    const found = await clients[0].keys(`${keys.prefix}:*`);
    if (found.length > 0) await clients[0].del(...found);
    await Promise.all(clients.map((client) => client.quit()));
  });

  async function fail(times: number, errorClass = ProviderErrorClass.ServerError, by = breaker): Promise<void> {
    for (let i = 0; i < times; i++) await by.recordFailure(target, errorClass);
  }

  async function openAndWaitForCooldown(): Promise<void> {
    await fail(3);
    await sleep(COOLDOWN_MS + 30);
  }

  it('stays closed below the threshold and opens at it, for every worker', async () => {
    await fail(2);
    expect(await breaker.admit(target)).toEqual({ allowed: true, probe: false, clean: false });
    expect(await breaker.peek(target)).toEqual({ state: 'closed', failures: 2 });

    await fail(1, ProviderErrorClass.Timeout, otherWorker);
    const refused = await breaker.admit(target);
    expect(refused).toMatchObject({ allowed: false, reason: expect.stringContaining('open') });
    expect(refused.allowed === false && refused.retryInMs).toBeGreaterThan(0);
    expect(refused.allowed === false && refused.retryInMs).toBeLessThanOrEqual(COOLDOWN_MS);
    expect(await otherWorker.admit(target)).toMatchObject({ allowed: false });

    const peek = await otherWorker.peek(target);
    expect(peek).toMatchObject({ state: 'open', failures: 3 });
    expect(peek.retryInMs).toBeGreaterThan(0);
    // Other models on the same connection are not affected.
    expect(await breaker.admit({ ...target, model: 'llama3:70b' })).toEqual({
      allowed: true,
      probe: false,
      clean: true,
    });
  });

  it('counts every unhealthy class and ignores the classes that say nothing about health', async () => {
    for (const errorClass of Object.values(ProviderErrorClass)) await breaker.recordFailure(target, errorClass);
    // server_error, overloaded, timeout, network: 4 ≥ 3, so it opened; check the ignored ones alone too.
    expect((await breaker.peek(target)).state).toBe('open');

    const other = { ...target, model: 'other' };
    const ignored = [
      ProviderErrorClass.RateLimited,
      ProviderErrorClass.AuthFailed,
      ProviderErrorClass.BadRequest,
      ProviderErrorClass.InvalidOutput,
      ProviderErrorClass.ContentFiltered,
      ProviderErrorClass.ModelNotFound,
      ProviderErrorClass.ContextLengthExceeded,
      ProviderErrorClass.EgressBlocked,
    ];
    for (let round = 0; round < 3; round++) {
      for (const errorClass of ignored) await breaker.recordFailure(other, errorClass);
    }
    expect(await breaker.peek(other)).toEqual({ state: 'closed', failures: 0 });
    expect(await breaker.admit(other)).toEqual({ allowed: true, probe: false, clean: true });
  });

  it('only counts failures inside the window, and a success resets them', async () => {
    await fail(2);
    await sleep(1_050);
    await fail(1);
    expect(await breaker.peek(target)).toEqual({ state: 'closed', failures: 1 });

    await fail(1);
    await breaker.recordSuccess(target, await breaker.admit(target)); // failures were logged: forgotten
    await fail(2);
    expect(await breaker.peek(target)).toEqual({ state: 'closed', failures: 2 });
  });

  it('makes no Redis call for a success after a clean admission', async () => {
    const admission = await breaker.admit(target);
    expect(admission).toEqual({ allowed: true, probe: false, clean: true });
    await fail(2, ProviderErrorClass.ServerError, otherWorker); // during this call, on another worker
    await breaker.recordSuccess(target, admission);
    // Nothing was forgotten: the other worker's failures still count in the window.
    expect(await breaker.peek(target)).toEqual({ state: 'closed', failures: 2 });
  });

  it('asks Redis once for the calls to one target that start while its state is being read', async () => {
    const sent = jest.spyOn(clients[0], 'sendCommand');
    const answers = await Promise.all(Array.from({ length: 10 }, () => breaker.admit(target)));
    expect(answers).toEqual(Array(10).fill({ allowed: true, probe: false, clean: true }));
    // Distinct commands: one queued before the connection is up is handed to sendCommand again.
    const scripts = new Set(sent.mock.calls.map(([command]) => command).filter((c) => c.name.startsWith('eval')));
    expect(scripts.size).toBe(1);
  });

  it('admits exactly one probe after the cooldown, out of 20 concurrent callers on two workers', async () => {
    await openAndWaitForCooldown();
    expect(await breaker.peek(target)).toEqual({ state: 'half_open', failures: 3 });

    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? breaker : otherWorker).admit(target)),
    );
    expect(answers.filter((a) => a.allowed && a.probe)).toHaveLength(1);
    const refused = answers.filter((a) => !a.allowed);
    expect(refused).toHaveLength(19);
    expect(refused[0]).toMatchObject({ reason: expect.stringContaining('probe') });

    const peek = await breaker.peek(target);
    expect(peek.state).toBe('half_open');
    expect(peek.retryInMs).toBeGreaterThan(0);
  });

  it('closes when the probe succeeds', async () => {
    await openAndWaitForCooldown();
    expect(await otherWorker.admit(target)).toEqual({ allowed: true, probe: true, clean: false });
    await otherWorker.recordSuccess(target);

    expect(await breaker.peek(target)).toEqual({ state: 'closed', failures: 0 });
    expect(await breaker.admit(target)).toEqual({ allowed: true, probe: false, clean: true });
    expect(await clients[0].keys(`${keys.prefix}:*`)).toEqual([]);
  });

  it('re-opens for another cooldown when the probe fails', async () => {
    await openAndWaitForCooldown();
    expect(await breaker.admit(target)).toEqual({ allowed: true, probe: true, clean: false });
    await breaker.recordFailure(target, ProviderErrorClass.Network);

    const peek = await otherWorker.peek(target);
    expect(peek.state).toBe('open');
    expect(peek.retryInMs).toBeGreaterThan(COOLDOWN_MS / 2);
    expect(await otherWorker.admit(target)).toMatchObject({ allowed: false });

    await sleep(COOLDOWN_MS + 30);
    expect(await otherWorker.admit(target)).toEqual({ allowed: true, probe: true, clean: false });
  });

  it('ignores a late success while the cooldown runs', async () => {
    await fail(3);
    await breaker.recordSuccess(target);
    expect((await breaker.peek(target)).state).toBe('open');
  });

  it('hands the probe to another caller when the probe ends without a verdict or its worker dies', async () => {
    await openAndWaitForCooldown();
    expect(await breaker.admit(target)).toEqual({ allowed: true, probe: true, clean: false });
    // A 429 says nothing about health: the probe is given back.
    await breaker.recordFailure(target, ProviderErrorClass.RateLimited);
    expect(await otherWorker.admit(target)).toEqual({ allowed: true, probe: true, clean: false });

    // That probe's worker never reports: its lease (one cooldown) runs out, and another caller probes.
    expect(await breaker.admit(target)).toMatchObject({ allowed: false });
    await sleep(COOLDOWN_MS + 30);
    expect(await breaker.admit(target)).toEqual({ allowed: true, probe: true, clean: false });

    await breaker.releaseProbe(target);
    expect(await otherWorker.admit(target)).toEqual({ allowed: true, probe: true, clean: false });
  });

  it('puts a TTL on every key it writes', async () => {
    await fail(3);
    const found = await clients[0].keys(`${keys.prefix}:*`);
    expect(found).toHaveLength(2);
    for (const key of found) {
      const ttl = await clients[0].pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(1_000);
    }
  });
});
