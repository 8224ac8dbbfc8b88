// `npm run bench:throughput`: 50,000 items through the API to the built-in mock provider (zero
// latency) and one worker process, results and attempts persisted in Postgres: items/s from the
// upload to the batch's completion. In the same run, on the same Redis and Postgres, two bare
// BullMQ baselines: a no-op processor, and a naive one that does one UPDATE and one INSERT per job.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker, type Processor } from 'bullmq';
import { Pool } from 'pg';
import { AppConfig } from '@conduit/config';
import {
  benchDatabase,
  dropBenchDatabase,
  queuePrefix,
  rate,
  redisUrl,
  startApi,
  startWorker,
  submitJsonLines,
} from './support/bench-system';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 50_000);
// The worker's settings (defaults, or as set in the environment), used by the baselines too, so
// all three run with the same parallelism.
const config = new AppConfig(process.env);
const CONCURRENCY = config.worker.concurrency;
const POOL_SIZE = config.database.poolSize;

async function main(): Promise<void> {
  const api = await startApi();
  const db = await benchDatabase();
  try {
    const conduitSeconds = await conduit(api, db);
    const noopSeconds = await bareBullmq('noop', async () => undefined);
    const naiveSeconds = await naiveBaseline(db);

    console.log(`\n${ITEMS.toLocaleString('en-US')} items, worker concurrency ${CONCURRENCY}, pool ${POOL_SIZE}`);
    console.log(`Conduit (API → worker → mock, persisted): ${rate(ITEMS, conduitSeconds)}`);
    console.log(`bare BullMQ, no-op processor:            ${rate(ITEMS, noopSeconds)}`);
    console.log(`bare BullMQ, UPDATE + INSERT per job:    ${rate(ITEMS, naiveSeconds)}`);
    console.log(`Conduit / naive baseline: ${(naiveSeconds / conduitSeconds).toFixed(2)}x (target >= 1x)`);
    console.log(`Conduit / bare BullMQ:    ${(noopSeconds / conduitSeconds).toFixed(2)}x`);
  } finally {
    await db.end();
    await api.app.close();
    await dropBenchDatabase();
  }
}

/** Upload to completion; checks every item succeeded with exactly one successful attempt. */
async function conduit(api: Awaited<ReturnType<typeof startApi>>, db: Awaited<ReturnType<typeof benchDatabase>>) {
  const key = await api.tenant('throughput');
  const connection = await api.call<{ id: string }>('POST', '/v1/connections', key, {
    name: 'mock, zero latency',
    kind: 'mock',
  });
  await api.call('PUT', '/v1/routing/classification', key, {
    targets: [{ connection_id: connection.id, model: 'mock-1' }],
  });
  const lines = Array.from({ length: ITEMS }, (_, i) =>
    JSON.stringify({
      custom_id: `t-${i}`,
      task: 'classification',
      input: { text: `Ticket ${i}: the invoice was charged twice.`, labels: ['billing', 'bug', 'other'] },
    }),
  ).join('\n');

  const worker = await startWorker();
  try {
    const started = performance.now();
    const cpuBefore = worker.cpuSeconds();
    const commitsBefore = await commits(db);
    const batchId = await submitJsonLines(api, key, lines);
    const accepted = performance.now();
    for (;;) {
      const batch = await api.call<{ status: string; counts: Record<string, number> }>(
        'GET',
        `/v1/batches/${batchId}`,
        key,
      );
      if (batch.status === 'completed') break;
      await sleep(200);
    }
    const seconds = (performance.now() - started) / 1000;
    const workerCpu = worker.cpuSeconds() - cpuBefore;
    const commitsPerItem = ((await commits(db)) - commitsBefore) / ITEMS;
    console.log(
      `Conduit: upload accepted after ${((accepted - started) / 1000).toFixed(2)} s; ` +
        `worker CPU ${((workerCpu / ITEMS) * 1e6).toFixed(0)} µs per item; ` +
        `${commitsPerItem.toFixed(2)} Postgres transactions per item`,
    );
    const { rows } = await db.query<{ succeeded: number; attempts: number }>(
      `SELECT (SELECT count(*)::int FROM items WHERE batch_id = $1 AND status = 'succeeded') AS succeeded,
              (SELECT count(*)::int FROM attempts WHERE batch_id = $1 AND outcome = 'success') AS attempts`,
      [batchId],
    );
    if (rows[0].succeeded !== ITEMS || rows[0].attempts !== ITEMS) {
      throw new Error(`expected ${ITEMS} succeeded items and attempts, found ${JSON.stringify(rows[0])}`);
    }
    return seconds;
  } finally {
    await worker.stop();
  }
}

/** Transactions committed in the bench database so far (each autocommit statement is one). */
async function commits(db: Awaited<ReturnType<typeof benchDatabase>>): Promise<number> {
  await db.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await db.query<{ n: string }>(
    'SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()',
  );
  return Number(rows[0].n);
}

/** The naive persisted baseline: per job, one UPDATE of the item and one INSERT of an attempt. */
async function naiveBaseline(db: Awaited<ReturnType<typeof benchDatabase>>): Promise<number> {
  await db.query(`CREATE TABLE naive_items (id uuid PRIMARY KEY, status text NOT NULL, result jsonb)`);
  await db.query(`CREATE TABLE naive_attempts (id uuid PRIMARY KEY, item_id uuid NOT NULL, tokens int NOT NULL)`);
  const ids = Array.from({ length: ITEMS }, () => randomUUID());
  await db.query(`INSERT INTO naive_items (id, status) SELECT unnest($1::uuid[]), 'queued'`, [ids]);
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: POOL_SIZE });
  try {
    return await bareBullmq(
      'naive',
      async (job) => {
        const itemId = job.data.itemId as string;
        await pool.query(`UPDATE naive_items SET status = 'succeeded', result = $2 WHERE id = $1`, [
          itemId,
          { label: 'billing' },
        ]);
        await pool.query(`INSERT INTO naive_attempts (id, item_id, tokens) VALUES ($1, $2, 42)`, [
          randomUUID(),
          itemId,
        ]);
      },
      ids,
    );
  } finally {
    await pool.end();
  }
}

/** Adds the jobs (addBulk, chunks of 1,000) and runs them with `processor`; seconds from first add to last done. */
async function bareBullmq(name: string, processor: Processor, ids = Array.from({ length: ITEMS }, randomUUID)) {
  const connection = { url: redisUrl };
  const queue = new Queue(name, { connection, prefix: queuePrefix });
  let done = 0;
  let allDone!: () => void;
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  const worker = new Worker(name, processor, { connection, prefix: queuePrefix, concurrency: CONCURRENCY });
  worker.on('completed', () => ++done === ITEMS && allDone());
  worker.on('failed', (_job, error) => console.error(`${name} job failed: ${error.message}`));
  try {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    for (let i = 0; i < ids.length; i += 1_000) {
      await queue.addBulk(
        ids.slice(i, i + 1_000).map((itemId) => ({
          name: 'item.run',
          data: { tenantId: randomUUID(), itemId },
          opts: { jobId: itemId, removeOnComplete: { count: 10_000 } },
        })),
      );
    }
    await finished;
    const cpu = process.cpuUsage(cpuBefore);
    console.log(`${name}: adding and processing took ${((cpu.user + cpu.system) / ITEMS).toFixed(0)} µs CPU per job`);
    return (performance.now() - started) / 1000;
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
