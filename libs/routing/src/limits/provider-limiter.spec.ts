import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppConfig } from '@conduit/config';
import { RedisKeys, redisOptionsFromUrl } from '@conduit/redis';
import IORedis from 'ioredis';
import { ProviderLimiter, type LimiterAcquisition, type Reservation } from './provider-limiter';

// Medium tests: the real local Redis, a random key prefix per test, its keys deleted afterwards.
const config = new AppConfig({});

function reservationOf(acquired: LimiterAcquisition): Reservation {
  if (!acquired.ok) throw new Error(`expected a reservation, got: ${acquired.reason}`);
  return acquired.reservation;
}

describe('ProviderLimiter (real Redis)', () => {
  let keys: RedisKeys;
  let clients: IORedis[];
  let limiter: ProviderLimiter;
  /** A second worker process: its own connection, same deployment prefix. */
  let otherWorker: ProviderLimiter;
  let connectionId: string;

  beforeEach(() => {
    keys = new RedisKeys(`test-${randomBytes(6).toString('hex')}`);
    clients = [0, 1].map(() => new IORedis(redisOptionsFromUrl(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')));
    limiter = new ProviderLimiter(clients[0], keys, config);
    otherWorker = new ProviderLimiter(clients[1], keys, config);
    connectionId = randomUUID();
  });

  afterEach(async () => {
    const found = await clients[0].keys(`${keys.prefix}:*`);
    if (found.length > 0) await clients[0].del(...found);
    await Promise.all(clients.map((client) => client.quit()));
  });

  it('admits exactly rpm calls of 3×rpm concurrent ones on two workers, then refuses with a delay', async () => {
    const limits = { rpm: 10 };
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? limiter : otherWorker).acquire(connectionId, limits, 100)),
    );
    expect(answers.filter((a) => a.ok)).toHaveLength(10);

    const refused = await otherWorker.acquire(connectionId, limits, 100);
    expect(refused).toMatchObject({ ok: false, reason: 'rpm limit 10 reached' });
    // The oldest call leaves the 60 s window a little under a minute from now.
    expect(!refused.ok && refused.retryInMs).toBeGreaterThan(55_000);
    expect(!refused.ok && refused.retryInMs).toBeLessThanOrEqual(60_000);

    const peek = await limiter.peek(connectionId, limits);
    expect(peek).toMatchObject({
      rpm: { limit: 10, used: 10 },
      verdict: { ok: false, reason: 'rpm limit 10 reached' },
    });
  });

  it('reserves estimated tokens and settles them to the real usage', async () => {
    const limits = { tpm: 1_000 }; // refills 1 token per 60 ms: negligible within this test
    const first = reservationOf(await limiter.acquire(connectionId, limits, 600));
    const tooBig = await otherWorker.acquire(connectionId, limits, 600);
    expect(tooBig).toMatchObject({ ok: false, reason: 'tpm limit 1000 reached' });
    // ~200 tokens missing at 1,000 per minute: about 12 s.
    expect(!tooBig.ok && tooBig.retryInMs).toBeGreaterThan(10_000);

    // It used less than estimated: the rest comes back, so the other call fits.
    await limiter.settle(first, 100);
    const second = reservationOf(await otherWorker.acquire(connectionId, limits, 600));
    expect((await limiter.peek(connectionId, limits)).tpm?.available).toBeGreaterThanOrEqual(300);

    // It used more than estimated: the difference is taken too.
    await otherWorker.settle(second, 900);
    await otherWorker.settle(second, 900); // idempotent
    const peek = await limiter.peek(connectionId, limits, 100);
    expect(peek.tpm?.available).toBeLessThan(50);
    expect(peek.verdict).toMatchObject({ ok: false, reason: 'tpm limit 1000 reached' });
    expect(await limiter.acquire(connectionId, limits, 100)).toMatchObject({ ok: false });
  });

  it('gives the whole estimate back on release, once', async () => {
    const limits = { tpm: 1_000 };
    const reservation = reservationOf(await limiter.acquire(connectionId, limits, 800));
    await limiter.release(reservation);
    await limiter.release(reservation);
    await limiter.settle(reservation, 0);
    expect((await limiter.peek(connectionId, limits)).tpm?.available).toBe(1_000);
  });

  it('lets a call larger than the whole tpm run on a full bucket, then makes the others wait', async () => {
    const limits = { tpm: 1_000 };
    reservationOf(await limiter.acquire(connectionId, limits, 5_000));
    expect(await otherWorker.acquire(connectionId, limits, 1)).toMatchObject({ ok: false });
  });

  it('holds max_concurrency slots until settle or release, and reclaims expired leases', async () => {
    const limits = { max_concurrency: 2 };
    const a = reservationOf(await limiter.acquire(connectionId, limits, 10));
    const b = reservationOf(await otherWorker.acquire(connectionId, limits, 10));
    const full = await limiter.acquire(connectionId, limits, 10);
    expect(full).toMatchObject({ ok: false, reason: 'max_concurrency 2 reached' });
    expect(!full.ok && full.retryInMs).toBeLessThanOrEqual(250);
    expect((await limiter.peek(connectionId, limits)).concurrency).toEqual({ limit: 2, inUse: 2 });

    await limiter.settle(a, 10);
    const c = reservationOf(await otherWorker.acquire(connectionId, limits, 10));
    await otherWorker.release(b);
    reservationOf(await limiter.acquire(connectionId, limits, 10));
    // Settling a twice must not free a slot that belongs to another call.
    await limiter.settle(a, 10);
    expect(await limiter.acquire(connectionId, limits, 10)).toMatchObject({ ok: false });

    // A worker that dies holding slots: its leases run out and the slots come back.
    await otherWorker.release(c);
    const other = randomUUID();
    reservationOf(await limiter.acquire(other, limits, 10, { leaseMs: 150 }));
    reservationOf(await limiter.acquire(other, limits, 10, { leaseMs: 150 }));
    expect(await otherWorker.acquire(other, limits, 10)).toMatchObject({ ok: false });
    await sleep(200);
    expect(await otherWorker.acquire(other, limits, 10)).toMatchObject({ ok: true });
  });

  it('pauses the connection for every worker, keeps a longer pause, and lets it expire', async () => {
    const limits = { rpm: 100 };
    await limiter.pause(connectionId, 400);
    await otherWorker.pause(connectionId, 50); // shorter: the 400 ms pause stays

    for (const worker of [limiter, otherWorker]) {
      const refused = await worker.acquire(connectionId, limits, 10);
      expect(refused).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/^paused by the provider for \d+ ms$/),
      });
      expect(!refused.ok && refused.retryInMs).toBeGreaterThan(200);
      expect(await worker.acquire(connectionId, {}, 10)).toMatchObject({ ok: false });
    }
    expect((await limiter.peek(connectionId, {})).pausedForMs).toBeGreaterThan(200);

    await sleep(450);
    expect(await otherWorker.acquire(connectionId, limits, 10)).toMatchObject({ ok: true });
    expect(await limiter.acquire(connectionId, {}, 10)).toMatchObject({ ok: true });
  });

  it('always admits with no limits set, and writes nothing', async () => {
    const sent = jest.spyOn(clients[0], 'sendCommand');
    for (const limits of [{}, { rpm: undefined, tpm: 0 }]) {
      const answers = await Promise.all(Array.from({ length: 50 }, () => limiter.acquire(connectionId, limits, 1e6)));
      expect(answers.every((a) => a.ok)).toBe(true);
      // Calls that start together share one read of the pause (counted as distinct commands: one
      // queued before the connection is up is handed to sendCommand again).
      expect(new Set(sent.mock.calls.map(([command]) => command).filter((c) => c.name === 'pttl')).size).toBe(1);
      sent.mockClear();
      for (const answer of answers) await limiter.settle(reservationOf(answer), 10);
    }
    expect(await limiter.peek(connectionId, {})).toEqual({ pausedForMs: 0, verdict: { ok: true } });
    expect(await clients[0].keys(`${keys.prefix}:*`)).toEqual([]);
  });

  it('peeks without reserving anything', async () => {
    const limits = { rpm: 2, tpm: 1_000, max_concurrency: 1 };
    for (let i = 0; i < 5; i++) {
      expect((await otherWorker.peek(connectionId, limits, 500)).verdict).toEqual({ ok: true });
    }
    reservationOf(await limiter.acquire(connectionId, limits, 500));
    const peek = await otherWorker.peek(connectionId, limits, 500);
    expect(peek).toMatchObject({
      pausedForMs: 0,
      rpm: { limit: 2, used: 1 },
      concurrency: { limit: 1, inUse: 1 },
      verdict: { ok: false, reason: 'max_concurrency 1 reached' },
    });
    expect(peek.tpm?.available).toBeGreaterThanOrEqual(500);
  });

  it('puts a TTL on every key it writes', async () => {
    reservationOf(await limiter.acquire(connectionId, { rpm: 5, tpm: 1_000, max_concurrency: 3 }, 100));
    await limiter.pause(connectionId, 1_000);
    const found = await clients[0].keys(`${keys.prefix}:*`);
    expect(found).toHaveLength(4);
    for (const key of found) expect(await clients[0].pttl(key)).toBeGreaterThan(0);
  });
});
