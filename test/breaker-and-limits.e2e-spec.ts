import { DataSource } from 'typeorm';
import { FakeOpenAIServer } from './fakes';
import { overrideEnv } from './support/env';
import { ApiClient } from './support/api-client';
import { allowLoopbackEgress } from './support/loopback-egress';
import { startSystem, type TestSystem } from './support/test-system';
import { startWorkerProcess } from './support/worker-process';

const summaries = (n: number, prefix = 'doc') =>
  Array.from({ length: n }, (_, i) => ({
    custom_id: `${prefix}-${i}`,
    task: 'summarization',
    input: { text: `Text ${i}.` },
  }));

describe('circuit breaker', () => {
  // Long enough that the breaker is still open while the second batch runs on a slow machine.
  const COOLDOWN_MS = 4_000;
  let system: TestSystem;
  let restoreEnv: () => void;

  beforeAll(async () => {
    restoreEnv = overrideEnv({ BREAKER_COOLDOWN_MS: String(COOLDOWN_MS) });
    system = await startSystem();
  });

  afterAll(async () => {
    await system.close();
    restoreEnv();
  });

  it('opens after repeated failures so routing skips the target, then a probe closes it again', async () => {
    const tenant = await ApiClient.newTenant(system.http);
    const flaky = await tenant.mockConnection({ fail_rate: 1, fail_with: 'server_error' });
    const backup = await tenant.mockConnection();
    await tenant.route('summarization', [{ connection_id: flaky, max_retries: 0 }, { connection_id: backup }]);
    const db = system.api.get(DataSource);
    const callsTo = async (batchId: string, connectionId: string) =>
      (
        await db.query('SELECT count(*)::int AS n FROM attempts WHERE batch_id = $1 AND connection_id = $2', [
          batchId,
          connectionId,
        ])
      )[0].n;

    const { id: failing } = await tenant.submit(summaries(5, 'fail'));
    await tenant.waitForBatch(failing);
    expect(await callsTo(failing, flaky)).toBe(5); // five failures: the threshold

    const { id: open } = await tenant.submit(summaries(4, 'open'));
    expect((await tenant.waitForBatch(open)).counts.succeeded).toBe(4);
    expect(await callsTo(open, flaky)).toBe(0); // the open breaker keeps calls away
    for (const item of await tenant.items(open)) expect(item).toMatchObject({ connection_id: backup, attempts: 1 });

    // The provider recovers; after the cooldown one probe goes through and closes the breaker.
    await tenant.patch(`/v1/connections/${flaky}`, { settings: {} }).expect(200);
    await new Promise((resolve) => setTimeout(resolve, COOLDOWN_MS + 100));
    const { id: probe } = await tenant.submit(summaries(1, 'probe'));
    await tenant.waitForBatch(probe);
    expect((await tenant.items(probe))[0]).toMatchObject({ connection_id: flaky, attempts: 1 });
    const { id: closed } = await tenant.submit(summaries(3, 'closed'));
    await tenant.waitForBatch(closed);
    expect(await callsTo(closed, flaky)).toBe(3);
  });
});

describe('provider limits', () => {
  let system: TestSystem;
  let restoreEgress: () => void;
  let fake: FakeOpenAIServer;
  let closeFake: () => Promise<void>;

  beforeAll(async () => {
    restoreEgress = allowLoopbackEgress();
    fake = new FakeOpenAIServer({ flavour: 'compatible', apiKey: 'sk-limits' });
    ({ close: closeFake } = await fake.start());
    system = await startSystem({ worker: false });
  });

  afterAll(async () => {
    await system.close();
    await closeFake();
    restoreEgress();
  });

  const connect = async (tenant: ApiClient, limits: object) => {
    const id = await tenant.compatibleConnection(`${fake.url}/v1`, 'sk-limits', { limits });
    await tenant.route('summarization', [{ connection_id: id, model: 'fake-model' }]);
  };

  it('holds an rpm limit across two worker processes', async () => {
    const tenant = await ApiClient.newTenant(system.http);
    await connect(tenant, { rpm: 10 });
    const before = fake.requests.length;
    const { id } = await tenant.submit(summaries(30));

    const workers = await Promise.all([startWorkerProcess(), startWorkerProcess()]);
    try {
      const started = Date.now();
      const done = async () => (await tenant.get(`/v1/batches/${id}`).expect(200)).body.counts.succeeded;
      while ((await done()) < 10 && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 100));
      // Both workers are busy with this batch, yet in this minute the provider sees only 10 calls.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(fake.requests.length - before).toBe(10);
      expect(await done()).toBe(10);
      expect(workers.every((w) => w.output().includes('Worker started'))).toBe(true);
    } finally {
      for (const worker of workers) worker.child.kill('SIGKILL');
      await Promise.all(workers.map((w) => w.exited));
      // The rest of the batch would wait on the limit for minutes: suspend the tenant so any
      // later worker (of another test file) fails those items at once instead of calling.
      await ApiClient.admin(system.http)
        .patch(`/v1/admin/tenants/${tenant.tenantId}`, { status: 'suspended' })
        .expect(200);
    }
  }, 90_000);

  it('pauses a connection for every worker for as long as a 429 asks', async () => {
    const tenant = await ApiClient.newTenant(system.http);
    await connect(tenant, {});
    fake.next429({ retryAfterMs: '400' });
    const worker = await startSystem();
    try {
      const before = fake.requests.length;
      const { id: first } = await tenant.submit(summaries(1, 'first'));
      while (fake.requests.length === before) await new Promise((resolve) => setTimeout(resolve, 5));
      const limitedAt = fake.requests[before].receivedAt;
      const { id: others } = await tenant.submit(summaries(3, 'others'));
      await tenant.waitForBatch(first);
      await tenant.waitForBatch(others);

      // After the 429, no call reached the provider until the pause was over: not the retry, not the others.
      const later = fake.requests.slice(before + 1);
      expect(later).toHaveLength(4);
      for (const request of later) expect(request.receivedAt - limitedAt).toBeGreaterThanOrEqual(390);
    } finally {
      await worker.close();
    }
  });
});
