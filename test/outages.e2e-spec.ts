import { overrideEnv } from './support/env';
import { ApiClient } from './support/api-client';
import { TcpProxy } from './support/tcp-proxy';
import { startSystem, type TestSystem } from './support/test-system';

const ITEMS = 200;

describe('workers ride out short Postgres and Redis outages', () => {
  let api: TestSystem;
  let worker: TestSystem | undefined;
  const pgProxy = new TcpProxy({ host: '127.0.0.1', port: 5432 });
  const redisProxy = new TcpProxy({ host: '127.0.0.1', port: 6379 });
  let restoreEnv = () => {};

  beforeAll(async () => {
    api = await startSystem({ worker: false });
  });

  afterAll(async () => {
    await worker?.close();
    await api.close();
    await pgProxy.close();
    await redisProxy.close();
    restoreEnv();
  });

  it('finishes every item exactly once after both services drop for a few seconds', async () => {
    const tenant = await ApiClient.newTenant(api.http);
    await tenant.routeAll(await tenant.mockConnection({ latency_ms: 40 }));
    const { id } = await tenant.submit(
      Array.from({ length: ITEMS }, (_, i) => ({
        custom_id: `d-${i}`,
        task: 'summarization',
        input: { text: `Doc ${i}.` },
      })),
    );

    // The worker reaches Postgres and Redis only through the proxies; the API (and this test) directly.
    const database = new URL(process.env.DATABASE_URL as string);
    database.port = String(await pgProxy.start());
    const redis = new URL(process.env.REDIS_URL as string);
    redis.port = String(await redisProxy.start());
    restoreEnv = overrideEnv({
      DATABASE_URL: database.toString(),
      REDIS_URL: redis.toString(),
      WORKER_LOCK_MS: '2000',
      WORKER_STALLED_INTERVAL_MS: '1000',
      RECONCILER_INTERVAL_MS: '1000',
      RECONCILER_GRACE_MS: '2000',
    });
    worker = await startSystem();

    const succeeded = async () => (await tenant.get(`/v1/batches/${id}`).expect(200)).body.counts.succeeded as number;
    while ((await succeeded()) < ITEMS / 4) await new Promise((resolve) => setTimeout(resolve, 50));

    redisProxy.cutOff();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    redisProxy.restore();
    const afterRedis = await succeeded();

    pgProxy.cutOff();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    pgProxy.restore();
    expect(afterRedis).toBeLessThan(ITEMS);

    const batch = await tenant.waitForBatch(id, 120_000);
    expect(batch.counts).toMatchObject({ total: ITEMS, succeeded: ITEMS, failed: 0 });
    const items = await tenant.items(id);
    expect(new Set(items.map((i) => i.custom_id)).size).toBe(ITEMS);
    expect(items.every((i) => i.status === 'succeeded' && i.result)).toBe(true);
  }, 180_000);
});
