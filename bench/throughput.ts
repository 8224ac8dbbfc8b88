// `npm run bench:throughput`: 50,000 items (BENCH_ITEMS) through the API to the built-in mock
// provider (zero latency) and one worker process, results and attempts persisted in Postgres:
// items/s from the upload to the batch's completion. In the same run, on the same Redis and
// Postgres, two bare BullMQ baselines with the worker's concurrency: a no-op processor, and a naive
// one that does one UPDATE and one INSERT per job. (Conduit adds its jobs with priorities, see
// docs/architecture.md "Fair scheduling"; the baselines add plain FIFO jobs.) The baselines run in
// this process, which npm starts with the worker's node flags, so both get the same young generation.
// The three run BENCH_ROUNDS (3) times in turn, each Conduit round a new batch to the same worker;
// the figures are the median round's (by Conduit / naive), after a line per round.
import {
  benchDatabase,
  databaseName,
  jsonLines,
  queuePrefix,
  redisUrl,
  runBench,
  startApi,
  startWorker,
  type BenchApi,
  type WorkerProcess,
} from './support/bench-system';
import { AppConfig } from '@conduit/config';
import { Queue, Worker, type Processor } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, type Client } from 'pg';
import { cpuOfCommand } from './support/process-stats';
import { rate } from './support/stats';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 50_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
// The worker's settings (defaults, or as set in the environment), used by the baselines too.
const config = new AppConfig(process.env);
const CONCURRENCY = config.worker.concurrency;
const POOL_SIZE = config.database.poolSize;

interface Measured {
  seconds: number;
  /** CPU per item: the process running the jobs, and Postgres and Redis, as text. */
  cpu: string;
}

runBench('throughput', async () => {
  const api = await startApi();
  const db = await benchDatabase();
  const { key } = await api.tenant('throughput', {
    route: { task: 'classification', model: 'mock-1', connection: { name: 'mock, zero latency', kind: 'mock' } },
  });
  const worker = await startWorker();
  const naive = await naiveBaseline(db);

  // Rounds of the three, in the same order; the run-to-run spread of a busy 2-core host is ~10 %,
  // so the target is judged on the median round.
  const rounds: { conduit: Measured; noop: Measured; naive: Measured }[] = [];
  let details = '';
  for (let round = 1; round <= ROUNDS; round++) {
    const conduit = await conduitRun(api, key, db, worker, round);
    const noop = await bareBullmq(`noop-${round}`, async () => undefined);
    const naiveRun = await naive.run(round);
    rounds.push({ conduit, noop, naive: naiveRun });
    console.log(
      `round ${round}: Conduit ${rate(ITEMS, conduit.seconds)}; no-op ${rate(ITEMS, noop.seconds)}; ` +
        `naive ${rate(ITEMS, naiveRun.seconds)}; Conduit / naive ${ratio(naiveRun, conduit)}`,
    );
    details = `Conduit: ${conduit.cpu}\nno-op: ${noop.cpu}\nnaive: ${naiveRun.cpu}`;
  }
  await worker.stop();
  await naive.end();

  const middle = [...rounds].sort((a, b) => a.naive.seconds / a.conduit.seconds - b.naive.seconds / b.conduit.seconds)[
    Math.floor(rounds.length / 2)
  ];
  console.log(`\nlast round, CPU per item:\n${details}`);
  console.log(`\n${ITEMS.toLocaleString('en-US')} items, worker concurrency ${CONCURRENCY}, pool ${POOL_SIZE}`);
  console.log(`median round of ${rounds.length} (by Conduit / naive):`);
  console.log(`Conduit (API → worker → mock, persisted): ${rate(ITEMS, middle.conduit.seconds)}`);
  console.log(`bare BullMQ, no-op processor:            ${rate(ITEMS, middle.noop.seconds)}`);
  console.log(`bare BullMQ, UPDATE + INSERT per job:    ${rate(ITEMS, middle.naive.seconds)}`);
  console.log(`Conduit / naive baseline: ${ratio(middle.naive, middle.conduit)} (target >= 1x)`);
  console.log(`Conduit / bare BullMQ:    ${ratio(middle.noop, middle.conduit)}`);
});

const ratio = (baseline: Measured, conduit: Measured) => `${(baseline.seconds / conduit.seconds).toFixed(2)}x`;

/**
 * One batch of ITEMS from upload to completion, with the worker already running; checks that every
 * item succeeded with one successful attempt.
 */
async function conduitRun(
  api: BenchApi,
  key: string,
  db: Client,
  worker: WorkerProcess,
  round: number,
): Promise<Measured> {
  const lines = jsonLines(ITEMS, (i) => ({
    custom_id: `r${round}-${i}`,
    task: 'classification',
    input: { text: `Ticket ${i}: the invoice was charged twice.`, labels: ['billing', 'bug', 'other'] },
  }));
  const started = performance.now();
  const cpuBefore = worker.cpuSeconds();
  const services = serviceCpu();
  const commitsBefore = await commits(db);
  const batchId = await api.upload(key, lines);
  const accepted = performance.now();
  // Watched in Postgres, not through GET /v1/batches/:id: that counts the batch's 50,000 items by
  // status each time (about 30 ms of Postgres), load of the bench's own that no baseline has.
  while (!(await completed(db, batchId))) await sleep(20);
  const seconds = (performance.now() - started) / 1000;
  const workerCpu = worker.cpuSeconds() - cpuBefore;
  const used = services();
  const commitsPerItem = ((await commits(db)) - commitsBefore) / ITEMS;
  const { rows } = await db.query<{ ran: number; succeeded: number; attempts: number }>(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - started_at)) * 1000 AS ran,
            count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
            (SELECT count(*)::int FROM attempts WHERE batch_id = $1 AND outcome = 'success') AS attempts
       FROM items WHERE batch_id = $1`,
    [batchId],
  );
  const [item] = rows;
  if (item.succeeded !== ITEMS || item.attempts !== ITEMS) {
    throw new Error(`expected ${ITEMS} succeeded items and attempts, found ${JSON.stringify(item)}`);
  }
  const cpu =
    `worker ${((workerCpu / ITEMS) * 1e6).toFixed(0)} µs, ${used}; upload accepted after ` +
    `${((accepted - started) / 1000).toFixed(2)} s; ${commitsPerItem.toFixed(2)} Postgres transactions per ` +
    `item; median ${item.ran.toFixed(0)} ms claimed -> finished`;
  return { seconds, cpu };
}

/** From now on: CPU of the bench database's Postgres backends and of Redis, per item, as text. */
function serviceCpu(): () => string {
  const postgres = cpuOfCommand(databaseName);
  const redis = cpuOfCommand('redis-server');
  const perItem = (seconds: number) => `${((seconds / ITEMS) * 1e6).toFixed(0)} µs`;
  return () => `Postgres ${perItem(postgres())}, Redis ${perItem(redis())}`;
}

async function completed(db: Client, batchId: string): Promise<boolean> {
  const { rows } = await db.query<{ status: string }>('SELECT status FROM batches WHERE id = $1', [batchId]);
  return rows[0]?.status === 'completed';
}

/** Transactions committed in the bench database so far (each autocommit statement is one). */
async function commits(db: Client): Promise<number> {
  await db.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await db.query<{ n: string }>(
    'SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()',
  );
  return Number(rows[0].n);
}

/**
 * The naive persisted baseline: per job, one UPDATE of the item and one INSERT of an attempt. Its
 * tables last across rounds, as Conduit's do.
 */
async function naiveBaseline(db: Client) {
  await db.query(`CREATE TABLE naive_items (id uuid PRIMARY KEY, status text NOT NULL, result jsonb)`);
  await db.query(`CREATE TABLE naive_attempts (id uuid PRIMARY KEY, item_id uuid NOT NULL, tokens int NOT NULL)`);
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: POOL_SIZE });
  const run = async (round: number) => {
    const ids = Array.from({ length: ITEMS }, () => randomUUID());
    await db.query(`INSERT INTO naive_items (id, status) SELECT unnest($1::uuid[]), 'queued'`, [ids]);
    return bareBullmq(
      `naive-${round}`,
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
  };
  return { run, end: () => pool.end() };
}

/**
 * Adds the jobs (addBulk, chunks of 1,000) and runs them with `processor`: seconds from the first add
 * to the last job done, and this process's CPU per job.
 */
async function bareBullmq(
  name: string,
  processor: Processor,
  ids = Array.from({ length: ITEMS }, randomUUID),
): Promise<Measured> {
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
    const services = serviceCpu();
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
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    return { seconds, cpu: `process ${((cpu.user + cpu.system) / ITEMS).toFixed(0)} µs, ${services()}` };
  } finally {
    await worker.close();
    await queue.close();
  }
}
