import { DataSource } from 'typeorm';
import { FakeOpenAIServer } from './fakes';
import { ApiClient, summaries } from './support/api-client';
import { overrideEnv } from './support/env';
import { allowLoopbackEgress } from './support/loopback-egress';
import { startSystem, type TestSystem } from './support/test-system';

const USAGE = { prompt_tokens: 20, completion_tokens: 4, total_tokens: 24 };
const MAX_RETRIES = 2;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A batch's only provider goes down for a few seconds (every call answered 503) and comes back. Its
 * breaker opens; the items that find it open wait for it (a delayed job) instead of failing with
 * `no_route`, and a refused call costs an item none of its retries.
 */
describe('a short provider outage', () => {
  let fake: FakeOpenAIServer;
  let closeFake: () => Promise<void>;
  let restoreEnv: () => void;

  beforeAll(async () => {
    restoreEnv = allowLoopbackEgress();
    fake = new FakeOpenAIServer({ flavour: 'compatible', apiKey: 'sk-outage', usage: USAGE });
    fake.latencyMs = 30;
    ({ close: closeFake } = await fake.start());
  });

  afterAll(async () => {
    await closeFake();
    restoreEnv();
  });

  async function tenantOnTheFake(system: TestSystem) {
    const tenant = await ApiClient.newTenant(system.http);
    await tenant.summarizeOnFake(fake.url, 'sk-outage', { max_retries: MAX_RETRIES });
    return tenant;
  }

  describe('that ends before the items’ deadline', () => {
    let system: TestSystem;

    beforeAll(async () => {
      system = await startSystem();
    });

    afterAll(() => system.close(), 40_000);

    it('fails no item: the ones that met an open breaker wait for it and run once it closes', async () => {
      const ITEMS = 300;
      const tenant = await tenantOnTheFake(system);
      const { id } = await tenant.submit(summaries(ITEMS));
      const db = system.api.get(DataSource);
      const done = async () =>
        (
          await db.query(
            `SELECT count(*)::int AS n FROM items WHERE batch_id = $1 AND status IN ('succeeded', 'failed')`,
            [id],
          )
        )[0].n;
      while ((await done()) < 50) await sleep(20);
      fake.down(3_000);
      await sleep(1_000);
      // While the provider is down, items wait (queued, their jobs delayed) instead of failing.
      const during = (await tenant.get(`/v1/batches/${id}`).expect(200)).body.counts;
      expect(during.failed).toBe(0);
      expect(during.queued).toBeGreaterThan(0);

      const batch = await tenant.waitForBatch(id, 60_000);
      expect(batch.counts).toMatchObject({ total: ITEMS, succeeded: ITEMS, failed: 0 });
      // Only calls that went out count against an item's retries: none made more than it may.
      const [calls] = await db.query(
        `SELECT max(n)::int AS most, sum(n)::int AS total FROM
           (SELECT count(*) AS n FROM attempts WHERE batch_id = $1 GROUP BY item_id) per_item`,
        [id],
      );
      expect(calls.most).toBeLessThanOrEqual(MAX_RETRIES + 1);
      expect(calls.total).toBe(fake.requests.filter((request) => request.method === 'POST').length);
    }, 90_000);
  });

  describe('that outlasts the items’ deadline', () => {
    const DEADLINE_MS = 2_000;
    let system: TestSystem;

    beforeAll(async () => {
      const restore = overrideEnv({ ITEM_DEADLINE_MS: String(DEADLINE_MS) });
      try {
        system = await startSystem();
      } finally {
        restore();
      }
    });

    afterAll(() => system.close(), 40_000);

    it('fails each item only when its retries are spent or its deadline has passed', async () => {
      const ITEMS = 30;
      const tenant = await tenantOnTheFake(system);
      fake.down(20_000);
      const submitted = Date.now();
      const { id } = await tenant.submit(summaries(ITEMS));
      const batch = await tenant.waitForBatch(id, 30_000);
      fake.down(0);
      expect(batch.counts).toMatchObject({ total: ITEMS, failed: ITEMS });

      const items = await tenant.items(id);
      const codes = new Set(items.map((item) => item.error.code));
      // The fake's 503 is `overloaded`; an item that gets the half-open probe when it wakes may spend its retries.
      expect([...codes].every((code) => code === 'deadline_exceeded' || code === 'overloaded')).toBe(true);
      expect(codes.has('deadline_exceeded')).toBe(true);
      for (const item of items) {
        if (item.error.code === 'overloaded') expect(item.attempts).toBe(MAX_RETRIES + 1);
        else expect(new Date(item.completed_at).getTime() - submitted).toBeGreaterThanOrEqual(DEADLINE_MS - 500);
      }
    }, 60_000);
  });
});
