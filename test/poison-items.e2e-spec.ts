import { DataSource } from 'typeorm';
import { FakeOpenAIServer } from './fakes';
import { ApiClient } from './support/api-client';
import { allowLoopbackEgress } from './support/loopback-egress';
import { startSystem, type TestSystem } from './support/test-system';
import { startWorkerProcess } from './support/worker-process';

const MAX_RUNS = 3;
const WORKER_ENV = {
  WORKER_CONCURRENCY: '1',
  WORKER_LOCK_MS: '1000',
  WORKER_STALLED_INTERVAL_MS: '500',
  RECONCILER_INTERVAL_MS: '500',
  ITEM_MAX_RUNS: String(MAX_RUNS),
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A poison item: every time it runs, its worker dies (here: kill -9 as soon as its call reaches
 * the provider). Its runs are capped; then it fails with a clear code, its calls still on record,
 * and the rest of the batch runs.
 */
describe('an item whose worker dies every time it runs', () => {
  let system: TestSystem;
  let fake: FakeOpenAIServer;
  let closeFake: () => Promise<void>;
  let restoreEgress: () => void;

  beforeAll(async () => {
    restoreEgress = allowLoopbackEgress();
    fake = new FakeOpenAIServer({ flavour: 'compatible', apiKey: 'sk-poison' });
    fake.latencyMs = 1_000;
    ({ close: closeFake } = await fake.start());
    system = await startSystem({ worker: false });
  });

  afterAll(async () => {
    await system.close();
    await closeFake();
    restoreEgress();
  });

  it(`fails it with run_limit_exceeded after ${MAX_RUNS} runs cut short, and runs the others`, async () => {
    const tenant = await ApiClient.newTenant(system.http);
    await tenant.summarizeOnFake(fake.url, 'sk-poison');
    const { id } = await tenant.submit([
      { custom_id: 'poison', task: 'summarization', input: { text: 'POISON' } },
      { custom_id: 'a', task: 'summarization', input: { text: 'Fine.' } },
      { custom_id: 'b', task: 'summarization', input: { text: 'Also fine.' } },
    ]);
    const db = system.api.get(DataSource);
    const poisonStatus = async () =>
      (await db.query(`SELECT status FROM items WHERE batch_id = $1 AND custom_id = 'poison'`, [id]))[0].status;
    const poisonCalls = () => fake.requests.filter((request) => request.rawBody.includes('POISON')).length;

    // Each time the poison item's call reaches the provider, its worker is killed; a new one starts.
    let kills = 0;
    while ((await poisonStatus()) !== 'failed' && kills < MAX_RUNS + 2) {
      const worker = await startWorkerProcess(WORKER_ENV);
      const calls = poisonCalls();
      while (poisonCalls() === calls && (await poisonStatus()) !== 'failed') await sleep(20);
      if (poisonCalls() > calls) {
        worker.child.kill('SIGKILL');
        kills++;
      } else {
        worker.child.kill('SIGTERM');
      }
      await worker.exited;
    }
    expect(kills).toBe(MAX_RUNS);

    const worker = await startWorkerProcess(WORKER_ENV);
    try {
      const batch = await tenant.waitForBatch(id, 30_000);
      expect(batch.counts).toMatchObject({ total: 3, succeeded: 2, failed: 1 });
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    const poison = (await tenant.items(id)).find((item) => item.custom_id === 'poison');
    expect(poison).toMatchObject({ status: 'failed', error: { code: 'run_limit_exceeded' }, attempts: MAX_RUNS });
    expect(poison?.error.message).toContain(`${MAX_RUNS} times`);
    // The evidence stays: each cut-short call is on record.
    const [attempts] = await db.query(
      `SELECT count(*)::int AS n, array_agg(DISTINCT outcome) AS outcomes FROM attempts WHERE item_id = $1`,
      [poison?.id],
    );
    expect(attempts).toEqual({ n: MAX_RUNS, outcomes: ['in_flight'] });
    expect(poisonCalls()).toBe(MAX_RUNS);
  }, 120_000);
});
