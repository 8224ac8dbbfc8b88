import { Client } from 'pg';
import { FakeOpenAIServer } from './fakes';
import { ApiClient, summaries } from './support/api-client';
import { allowLoopbackEgress } from './support/loopback-egress';
import { startSystem, type TestSystem } from './support/test-system';
import { startWorkerProcess, type WorkerProcess } from './support/worker-process';

const ITEMS = 1_000;
const USAGE = { prompt_tokens: 25, completion_tokens: 5, total_tokens: 30 };
const ROUNDS = 6;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs one statement on a connection of its own, opened for it (the test's connections are terminated too). */
async function query<T>(sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    return (await client.query(sql, values)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Terminates every other backend of the test database: the worker's, the API's, the feeder's. */
const terminateBackends = () =>
  query<{ n: number }>(
    `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid()`,
  );

/**
 * Postgres drops the worker's connections several times in the middle of a batch. An answer the
 * worker has read is stored (its store is retried, not its call), every call is recorded with its
 * tokens, and no database error crashes the worker.
 */
describe('Postgres drops the connections of a running worker', () => {
  let fake: FakeOpenAIServer;
  let closeFake: () => Promise<void>;
  let system: TestSystem;
  let worker: WorkerProcess;
  let restoreEgress: () => void;

  beforeAll(async () => {
    restoreEgress = allowLoopbackEgress();
    fake = new FakeOpenAIServer({ flavour: 'compatible', apiKey: 'sk-pg-loss', usage: USAGE });
    fake.latencyMs = 200;
    ({ close: closeFake } = await fake.start());
    system = await startSystem({ worker: false });
  });

  afterAll(async () => {
    if (worker?.child.exitCode === null) {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    await system.close();
    await closeFake();
    restoreEgress();
  }, 60_000);

  it('stores every answer it read, calls no item twice, and keeps running', async () => {
    const tenant = await ApiClient.newTenant(system.http);
    await tenant.summarizeOnFake(fake.url, 'sk-pg-loss');
    const { id } = await tenant.submit(summaries(ITEMS));
    // A claim whose answer is lost leaves the item leased until WORKER_LOCK_MS passes.
    worker = await startWorkerProcess({
      WORKER_CONCURRENCY: '100',
      RECONCILER_INTERVAL_MS: '1000',
      WORKER_LOCK_MS: '5000',
    });

    const succeeded = async () =>
      (
        await query<{ n: number }>(
          `SELECT count(*)::int AS n FROM items WHERE batch_id = $1 AND status = 'succeeded'`,
          [id],
        )
      )[0].n;
    while ((await succeeded()) < ITEMS / 10) await sleep(50);
    const terminated: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      terminated.push((await terminateBackends())[0].n);
      await sleep(400);
    }
    // The rounds cut connections in use (a round may find none, while the worker waits on a backoff).
    expect(terminated.filter((n) => n > 0).length).toBeGreaterThanOrEqual(ROUNDS / 2);
    expect(await succeeded()).toBeLessThan(ITEMS);

    for (const deadline = Date.now() + 60_000; (await succeeded()) < ITEMS; await sleep(200)) {
      if (Date.now() > deadline) {
        const exited = worker.child.exitCode === null ? 'is running' : `exited with ${worker.child.exitCode}`;
        throw new Error(
          `only ${await succeeded()} of ${ITEMS} items succeeded; the worker ${exited}:\n${worker.output().slice(-3_000)}`,
        );
      }
    }
    expect(worker.child.exitCode).toBeNull();

    // One call per item: no answer that was read had to be asked for again.
    const calls = fake.requests.filter((request) => request.method === 'POST').length;
    expect(calls).toBe(ITEMS);
    // Every call is on record, answered, with the tokens the provider reported.
    const [attempts] = await query<Record<string, number>>(
      `SELECT count(*)::int AS calls, count(*) FILTER (WHERE outcome = 'success')::int AS answered,
              coalesce(sum(input_tokens), 0)::int AS input, coalesce(sum(output_tokens), 0)::int AS output
         FROM attempts WHERE batch_id = $1`,
      [id],
    );
    expect(attempts).toEqual({
      calls: ITEMS,
      answered: ITEMS,
      input: ITEMS * USAGE.prompt_tokens,
      output: ITEMS * USAGE.completion_tokens,
    });
    const batch = await tenant.waitForBatch(id, 20_000);
    expect(batch.status).toBe('completed');
    expect(batch.usage).toMatchObject({ input_tokens: ITEMS * USAGE.prompt_tokens });
  }, 120_000);
});
