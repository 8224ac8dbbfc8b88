import { DataSource } from 'typeorm';
import { FakeOpenAIServer } from './fakes';
import { ApiClient, summaries } from './support/api-client';
import { allowLoopbackEgress } from './support/loopback-egress';
import { startSystem, type TestSystem } from './support/test-system';
import { startWorkerProcess } from './support/worker-process';

const ITEMS = 2_000;
const USAGE = { prompt_tokens: 40, completion_tokens: 8, total_tokens: 48 };
const WORKER_ENV = { WORKER_CONCURRENCY: '50', WORKER_LOCK_MS: '3000', WORKER_STALLED_INTERVAL_MS: '1000' };

describe('kill -9 of a worker in the middle of a batch', () => {
  let system: TestSystem;
  let restoreEgress: () => void;
  let fake: FakeOpenAIServer;
  let closeFake: () => Promise<void>;

  beforeAll(async () => {
    restoreEgress = allowLoopbackEgress();
    fake = new FakeOpenAIServer({ flavour: 'compatible', apiKey: 'sk-crash-test', usage: USAGE });
    fake.latencyMs = 100;
    ({ close: closeFake } = await fake.start());
    system = await startSystem({ worker: false });
  });

  afterAll(async () => {
    await system.close();
    await closeFake();
    restoreEgress();
  });

  it('ends every item in a terminal state exactly once, with every call on the wire accounted for', async () => {
    const tenant = await ApiClient.newTenant(system.http);
    await tenant.summarizeOnFake(fake.url, 'sk-crash-test');
    const { id } = await tenant.submit(summaries(ITEMS));

    const first = await startWorkerProcess(WORKER_ENV);
    const db = system.api.get(DataSource);
    const succeeded = async () =>
      (await db.query(`SELECT count(*)::int AS n FROM items WHERE batch_id = $1 AND status = 'succeeded'`, [id]))[0].n;
    while ((await succeeded()) < ITEMS / 4) await new Promise((resolve) => setTimeout(resolve, 50));
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    expect(await succeeded()).toBeLessThan(ITEMS);

    const second = await startWorkerProcess(WORKER_ENV);
    try {
      const batch = await tenant.waitForBatch(id, 90_000);
      expect(batch.counts).toMatchObject({ total: ITEMS, succeeded: ITEMS, failed: 0, queued: 0, running: 0 });
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }

    const [stored] = await db.query(
      `SELECT count(*)::int AS n, count(DISTINCT custom_id)::int AS distinct_ids,
              count(*) FILTER (WHERE result IS NOT NULL AND completed_at IS NOT NULL)::int AS with_result
         FROM items WHERE batch_id = $1`,
      [id],
    );
    expect(stored).toEqual({ n: ITEMS, distinct_ids: ITEMS, with_result: ITEMS });

    // Every call the provider received has its attempt row; none is lost with the killed worker.
    // The row is written just before the request goes out, so a worker killed in between leaves an
    // `in_flight` row for a call the provider never saw: those are the only possible extras.
    const [attempts] = await db.query(
      `SELECT count(*)::int AS calls,
              count(*) FILTER (WHERE outcome = 'success')::int AS answered,
              count(*) FILTER (WHERE outcome = 'in_flight')::int AS cut_off,
              coalesce(sum(input_tokens), 0)::int AS input, coalesce(sum(output_tokens), 0)::int AS output
         FROM attempts WHERE batch_id = $1`,
      [id],
    );
    const received = fake.requests.filter((r) => r.method === 'POST').length;
    expect(attempts.answered + attempts.cut_off).toBe(attempts.calls);
    expect(attempts.calls).toBeGreaterThanOrEqual(received);
    expect(attempts.calls - received).toBeLessThanOrEqual(attempts.cut_off);
    // Tokens are recorded for every answer that came back, exactly as the provider reported them.
    expect(attempts.input).toBe(attempts.answered * USAGE.prompt_tokens);
    expect(attempts.output).toBe(attempts.answered * USAGE.completion_tokens);
    // The provider billed for what it delivered; only calls cut off by the kill can differ.
    expect(fake.delivered).toBeGreaterThanOrEqual(attempts.answered);
    expect(fake.delivered - attempts.answered).toBeLessThanOrEqual(attempts.cut_off);
    expect((await tenant.get(`/v1/batches/${id}`).expect(200)).body.usage.input_tokens).toBe(attempts.input);
  }, 180_000);
});
