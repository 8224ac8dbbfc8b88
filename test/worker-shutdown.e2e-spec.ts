import { DataSource } from 'typeorm';
import { ApiClient } from './support/api-client';
import { startSystem, type TestSystem } from './support/test-system';
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
});
