import type { INestApplication } from '@nestjs/common';
import { RunItemUseCase } from '@conduit/jobs';
import { DataSource } from 'typeorm';
import { createApiApp } from '../apps/api/src/main';
import { ApiClient } from './support/api-client';
import { startSystem, type TestSystem } from './support/test-system';

describe('a duplicated job never writes a second result', () => {
  let system: TestSystem;
  let otherWorker: INestApplication;

  // No worker: the test plays the worker itself, running the same job twice at once. A second app
  // stands for another worker process (its own lease owner).
  beforeAll(async () => {
    system = await startSystem({ worker: false });
    otherWorker = await createApiApp();
    await otherWorker.init();
  });

  afterAll(async () => {
    await otherWorker.close();
    await system.close();
  });

  async function oneItem(latencyMs: number) {
    const tenant = await ApiClient.newTenant(system.http);
    await tenant.routeAll(await tenant.mockConnection({ latency_ms: latencyMs }));
    const { id: batchId } = await tenant.submit([
      { custom_id: 'once', task: 'summarization', input: { text: 'Exactly once. Please.' } },
    ]);
    const [queued] = await tenant.items(batchId);
    expect(queued.status).toBe('queued');
    const me = (await tenant.get('/v1/me').expect(200)).body;
    return { tenant, batchId, job: { tenantId: me.tenant.id as string, itemId: queued.id as string } };
  }

  it('makes no second call while a run of the item is alive: the duplicate waits, then finds it done', async () => {
    const { tenant, batchId, job } = await oneItem(150);
    const here = system.api.get(RunItemUseCase);
    const elsewhere = otherWorker.get(RunItemUseCase);

    const outcomes = await Promise.all([here.execute(job), here.execute(job), elsewhere.execute(job)]);
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['succeeded', 'waiting', 'waiting']);
    expect(await elsewhere.execute(job)).toEqual({ status: 'skipped' });

    const batch = (await tenant.get(`/v1/batches/${batchId}`).expect(200)).body;
    expect(batch).toMatchObject({ status: 'completed', counts: { total: 1, succeeded: 1, running: 0 } });
    const [item] = await tenant.items(batchId);
    expect(item).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('keeps the result of the run that holds the item when a lease ran out under a live run, and records both calls', async () => {
    const { tenant, batchId, job } = await oneItem(400);
    const db = system.api.get(DataSource);
    const first = system.api.get(RunItemUseCase).execute(job);
    // The first run's worker falls silent (its lease runs out) while its call is out; another takes over.
    await new Promise((resolve) => setTimeout(resolve, 150));
    await db.query(`UPDATE items SET lease_until = now() - interval '1 second' WHERE id = $1`, [job.itemId]);
    const second = otherWorker.get(RunItemUseCase).execute(job);

    expect(await first).toEqual({ status: 'skipped' });
    expect(await second).toEqual({ status: 'succeeded' });

    const batch = (await tenant.get(`/v1/batches/${batchId}`).expect(200)).body;
    expect(batch).toMatchObject({ status: 'completed', counts: { total: 1, succeeded: 1, running: 0 } });
    const [item] = await tenant.items(batchId);
    expect(item).toMatchObject({ status: 'succeeded', attempts: 2 });
    // Both calls are completed with their usage, the discarded one included.
    const [calls] = await db.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE outcome = 'success' AND input_tokens > 0)::int AS completed
         FROM attempts WHERE item_id = $1`,
      [item.id],
    );
    expect(calls).toEqual({ n: 2, completed: 2 });
    expect(batch.usage.input_tokens).toBe(item.usage.input_tokens);
  });

  it('refuses a job for an item of another tenant', async () => {
    const owner = await ApiClient.newTenant(system.http);
    const other = await ApiClient.newTenant(system.http);
    await owner.routeAll(await owner.mockConnection());
    const { id: batchId } = await owner.submit([
      { custom_id: 'mine', task: 'summarization', input: { text: 'Not yours.' } },
    ]);
    const [item] = await owner.items(batchId);
    const otherTenantId = (await other.get('/v1/me').expect(200)).body.tenant.id as string;

    const runItem = system.api.get(RunItemUseCase);
    expect(await runItem.execute({ tenantId: otherTenantId, itemId: item.id })).toEqual({ status: 'skipped' });
    expect((await owner.items(batchId))[0].status).toBe('queued');
  });
});
