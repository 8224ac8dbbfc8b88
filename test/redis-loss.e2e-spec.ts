import { DataSource } from 'typeorm';
import { FakeOpenAIServer } from './fakes';
import { ApiClient, summaries } from './support/api-client';
import { overrideEnv } from './support/env';
import { allowLoopbackEgress } from './support/loopback-egress';
import { TestRedisServer } from './support/redis-server';
import { startSystem, type TestSystem } from './support/test-system';
import { startWorkerProcess, type WorkerProcess } from './support/worker-process';

const ITEMS = 100;
const USAGE = { prompt_tokens: 30, completion_tokens: 6, total_tokens: 36 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Redis loses its data (FLUSHDB of the test's own Redis) while every item of a batch is running: a
 * call that is out must not be made a second time. The worker has room for more jobs than the batch
 * has items, so a re-queued running item would be claimed at once and called again.
 */
describe('Redis loses its data while items are running', () => {
  let redis: TestRedisServer;
  let fake: FakeOpenAIServer;
  let closeFake: () => Promise<void>;
  let system: TestSystem;
  let worker: WorkerProcess | undefined;
  let restoreEnv: () => void;

  beforeAll(async () => {
    redis = await new TestRedisServer().start();
    const restoreEgress = allowLoopbackEgress();
    const restoreRedis = overrideEnv({ REDIS_URL: redis.url });
    restoreEnv = () => (restoreRedis(), restoreEgress());
    fake = new FakeOpenAIServer({ flavour: 'compatible', apiKey: 'sk-flush', usage: USAGE });
    fake.latencyMs = 3_000;
    ({ close: closeFake } = await fake.start());
    system = await startSystem({ worker: false });
  });

  afterAll(async () => {
    if (worker) {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    await system.close();
    await closeFake();
    restoreEnv();
    await redis.stop();
  }, 60_000);

  it('makes no second call for an item whose run is alive, and still finishes every item once', async () => {
    const tenant = await ApiClient.newTenant(system.http);
    await tenant.summarizeOnFake(fake.url, 'sk-flush');
    const { id } = await tenant.submit(summaries(ITEMS));
    worker = await startWorkerProcess({
      REDIS_URL: redis.url,
      WORKER_CONCURRENCY: '300',
      RECONCILER_INTERVAL_MS: '200',
    });

    while (fake.inFlight < ITEMS) await sleep(20);
    const client = redis.client();
    await client.flushdb();
    client.disconnect();

    const batch = await tenant.waitForBatch(id, 30_000);
    expect(batch.counts).toMatchObject({ total: ITEMS, succeeded: ITEMS, failed: 0 });
    const calls = fake.requests.filter((request) => request.method === 'POST');
    expect(calls).toHaveLength(ITEMS);
    const [attempts] = await system.api
      .get(DataSource)
      .query(`SELECT count(*)::int AS n, count(DISTINCT item_id)::int AS items FROM attempts WHERE batch_id = $1`, [
        id,
      ]);
    expect(attempts).toEqual({ n: ITEMS, items: ITEMS });
    expect(worker.child.exitCode).toBeNull();
  }, 60_000);
});
