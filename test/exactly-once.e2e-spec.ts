import { RunItemUseCase } from '@conduit/jobs';
import { DataSource } from 'typeorm';
import { ApiClient } from './support/api-client';
import { startSystem, type TestSystem } from './support/test-system';

describe('a duplicated job never writes a second result', () => {
  let system: TestSystem;

  // No worker: the test plays the worker itself, running the same job twice at once.
  beforeAll(async () => {
    system = await startSystem({ worker: false });
  });

  afterAll(() => system.close());

  it('keeps the first result, counts the item once, and still records both calls', async () => {
    const tenant = await ApiClient.newTenant(system.http);
    await tenant.routeAll(await tenant.mockConnection({ latency_ms: 150 }));
    const { id: batchId } = await tenant.submit([
      { custom_id: 'once', task: 'summarization', input: { text: 'Exactly once. Please.' } },
    ]);
    const [queued] = await tenant.items(batchId);
    expect(queued.status).toBe('queued');

    const me = (await tenant.get('/v1/me').expect(200)).body;
    const job = { tenantId: me.tenant.id as string, itemId: queued.id as string };
    const runItem = system.api.get(RunItemUseCase);

    const outcomes = await Promise.all([runItem.execute(job), runItem.execute(job)]);
    expect(outcomes.sort()).toEqual(['skipped', 'succeeded']);
    expect(await runItem.execute(job)).toBe('skipped');

    const batch = (await tenant.get(`/v1/batches/${batchId}`).expect(200)).body;
    expect(batch).toMatchObject({ status: 'completed', counts: { total: 1, succeeded: 1, running: 0 } });
    const [item] = await tenant.items(batchId);
    expect(item).toMatchObject({ status: 'succeeded', attempts: 2 });

    const db = system.api.get(DataSource);
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
    expect(await runItem.execute({ tenantId: otherTenantId, itemId: item.id })).toBe('skipped');
    expect((await owner.items(batchId))[0].status).toBe('queued');
  });
});
