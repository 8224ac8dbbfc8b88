import { DataSource } from 'typeorm';
import { createApiApp } from '../apps/api/src/main';
import { createWorkerApp } from '../apps/worker/src/main';
import { FakeOpenAIServer } from './fakes';
import { ApiClient, summaries } from './support/api-client';
import { overrideEnv } from './support/env';
import { allowLoopbackEgress } from './support/loopback-egress';
import { startSystem, type TestSystem } from './support/test-system';
import { TcpProxy } from './support/tcp-proxy';
import { startWorkerProcess } from './support/worker-process';

describe('graceful shutdown', () => {
  let system: TestSystem;
  let fake: FakeOpenAIServer;
  let closeFake: () => Promise<void>;
  let restoreEgress: () => void;

  beforeAll(async () => {
    restoreEgress = allowLoopbackEgress();
    fake = new FakeOpenAIServer({ flavour: 'compatible', apiKey: 'sk-shutdown' });
    ({ close: closeFake } = await fake.start());
    system = await startSystem({ worker: false });
  });

  afterAll(async () => {
    await system.close();
    await closeFake();
    restoreEgress();
  });

  /** A tenant whose tasks run on the fake provider, through the egress client, with no retries. */
  async function tenantOnTheFake() {
    const tenant = await ApiClient.newTenant(system.http);
    await tenant.summarizeOnFake(fake.url, 'sk-shutdown');
    return tenant;
  }

  async function whenRunning(batchId: string, n: number) {
    const db = system.api.get(DataSource);
    const running = async () =>
      (await db.query(`SELECT count(*)::int AS n FROM items WHERE batch_id = $1 AND status = 'running'`, [batchId]))[0]
        .n;
    while ((await running()) < n) await new Promise((resolve) => setTimeout(resolve, 50));
  }

  it('on SIGTERM stops taking jobs, lets running calls finish, and exits cleanly', async () => {
    fake.latencyMs = 1_500;
    const tenant = await tenantOnTheFake();
    const { id } = await tenant.submit(summaries(30));

    const worker = await startWorkerProcess({ WORKER_CONCURRENCY: '5', SHUTDOWN_GRACE_MS: '10000' });
    await whenRunning(id, 5);

    const signalled = Date.now();
    worker.child.kill('SIGTERM');
    const { code } = await worker.exited;
    expect(code).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(8_000);

    const counts = (await tenant.get(`/v1/batches/${id}`).expect(200)).body.counts;
    // The calls in flight finished (the HTTP client stays open until they have); nothing new was
    // started; nothing failed or is left half-done.
    expect(counts).toMatchObject({ succeeded: 5, failed: 0, running: 0, queued: 25 });

    fake.latencyMs = 0;
    const next = await startSystem();
    try {
      const batch = await tenant.waitForBatch(id);
      expect(batch.counts).toMatchObject({ total: 30, succeeded: 30 });
      for (const item of await tenant.items(id)) expect(item.attempts).toBe(1);
    } finally {
      await next.close();
    }
  }, 90_000);

  it('hands back the items whose calls outlast SHUTDOWN_GRACE_MS, to run again elsewhere, failing none', async () => {
    fake.latencyMs = 30_000;
    const tenant = await tenantOnTheFake();
    const { id } = await tenant.submit(summaries(10));

    const worker = await startWorkerProcess({ WORKER_CONCURRENCY: '4', SHUTDOWN_GRACE_MS: '500' });
    await whenRunning(id, 4);
    const signalled = Date.now();
    worker.child.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(5_000);

    // Back in line at once (not left running until a lock expires), and not failed.
    const counts = (await tenant.get(`/v1/batches/${id}`).expect(200)).body.counts;
    expect(counts).toMatchObject({ queued: 10, running: 0, failed: 0, succeeded: 0 });
    const [cut] = await system.api
      .get(DataSource)
      .query(`SELECT count(*)::int AS n, array_agg(DISTINCT outcome) AS outcomes FROM attempts WHERE batch_id = $1`, [
        id,
      ]);
    expect(cut).toEqual({ n: 4, outcomes: ['cancelled'] });

    fake.latencyMs = 0;
    const next = await startSystem();
    try {
      const batch = await tenant.waitForBatch(id);
      expect(batch.counts).toMatchObject({ total: 10, succeeded: 10, failed: 0 });
    } finally {
      await next.close();
    }
  }, 90_000);

  it('closes the API and the worker cleanly when they stop while still connecting to Redis', async () => {
    // Closing a BullMQ connection between its client's ready and BullMQ's own version check used
    // to end in an unhandled "Connection is closed" rejection a moment later, which kills a real
    // process. Through a proxy with 0.5 s each way, that window is ~2-3 s after the start.
    const LATENCY_MS = 500;
    const redis = new URL(process.env.REDIS_URL as string);
    const slowRedis = new TcpProxy({ host: redis.hostname, port: Number(redis.port) }, LATENCY_MS);
    redis.port = String(await slowRedis.start());
    const restoreEnv = overrideEnv({ REDIS_URL: redis.toString() });
    try {
      const started = Date.now();
      const apps = await Promise.all([createApiApp(), createWorkerApp()]);
      await new Promise((resolve) => setTimeout(resolve, started + 5 * LATENCY_MS - Date.now()));
      await Promise.all(apps.map((app) => app.close()));
      // Jest fails the test on an unhandled rejection; a dropped connection's comes this late.
      await new Promise((resolve) => setTimeout(resolve, 4 * LATENCY_MS));
    } finally {
      restoreEnv();
      await slowRedis.close();
    }
  }, 60_000);
});
