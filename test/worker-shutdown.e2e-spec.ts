import { DataSource } from 'typeorm';
import { createApiApp } from '../apps/api/src/main';
import { createWorkerApp } from '../apps/worker/src/main';
import { ApiClient } from './support/api-client';
import { overrideEnv } from './support/env';
import { startSystem, type TestSystem } from './support/test-system';
import { TcpProxy } from './support/tcp-proxy';
import { startWorkerProcess } from './support/worker-process';

const items = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    custom_id: `job-${i}`,
    task: 'summarization',
    input: { text: `Item ${i}.` },
  }));

describe('graceful shutdown', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startSystem({ worker: false });
  });

  afterAll(() => system.close());

  it('on SIGTERM stops taking jobs, lets running calls finish, and exits cleanly', async () => {
    const tenant = await ApiClient.newTenant(system.http);
    await tenant.routeAll(await tenant.mockConnection({ latency_ms: 1_500 }));
    const { id } = await tenant.submit(items(6));

    const worker = await startWorkerProcess({ WORKER_CONCURRENCY: '2', SHUTDOWN_GRACE_MS: '10000' });
    const db = system.api.get(DataSource);
    const running = async () =>
      (await db.query(`SELECT count(*)::int AS n FROM items WHERE batch_id = $1 AND status = 'running'`, [id]))[0].n;
    while ((await running()) < 2) await new Promise((resolve) => setTimeout(resolve, 50));

    const signalled = Date.now();
    worker.child.kill('SIGTERM');
    const { code } = await worker.exited;
    expect(code).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(8_000);

    const counts = (await tenant.get(`/v1/batches/${id}`).expect(200)).body.counts;
    // The two calls in flight finished; nothing new was started; nothing is left half-done.
    expect(counts).toMatchObject({ succeeded: 2, running: 0, queued: 4 });

    const next = await startSystem();
    try {
      const batch = await tenant.waitForBatch(id);
      expect(batch.counts).toMatchObject({ total: 6, succeeded: 6 });
      for (const item of await tenant.items(id)) expect(item.attempts).toBe(1);
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
