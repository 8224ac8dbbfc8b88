// `npm run bench:fairness`: how long a 20-item batch of one tenant takes while another tenant's
// 50,000-item batch runs. The API runs in this process and one worker in its own process, on the
// built-in mock provider with a fixed latency and the scheduling settings of the environment
// (defaults unless set). First 20-item batches one at a time on the idle system (the baseline);
// then tenant "big" uploads its batch as JSON Lines, runs alone for 2 s, and 10 other tenants each
// submit a 20-item batch every 1-2 s (staggered) for a fixed number of batches. Once they are done
// the big batch is cancelled (unless BENCH_FINISH_BIG=true). Times come from Postgres
// (`batches.completed_at - created_at`), not from polling.
// Knobs: BENCH_BIG_ITEMS (50,000), BENCH_SMALL_TENANTS (10), BENCH_SMALL_BATCHES (60),
// BENCH_SMALL_INTERVAL_MS ("1000-2000"), BENCH_BASELINE_BATCHES (20), BENCH_LATENCY_MS (50),
// BENCH_FINISH_BIG.
import { benchDatabase, jsonLines, runBench, startApi, startWorker, waitFor } from './support/bench-system';
import { AppConfig } from '@conduit/config';
import type { Queue } from 'bullmq';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from 'pg';
import { countAtMost, mean, p50p99max, sampleEvery, seededRandom, summary, table } from './support/stats';

const BIG_ITEMS = Number(process.env.BENCH_BIG_ITEMS ?? 50_000);
const SMALL_TENANTS = Number(process.env.BENCH_SMALL_TENANTS ?? 10);
const SMALL_ITEMS = 20;
const SMALL_BATCHES = Number(process.env.BENCH_SMALL_BATCHES ?? 60);
/** No small batch is submitted after this long, even if fewer than SMALL_BATCHES went in. */
const SUBMIT_WINDOW_MS = 90_000;
/**
 * Each small tenant waits 1-2 s between submissions: ~130 items/s in all, well below capacity, and
 * all 60 batches (about 9 s) go in while the 50,000 items run (about 12 s on the project's machine).
 */
const [INTERVAL_MIN_MS, INTERVAL_MAX_MS] = (process.env.BENCH_SMALL_INTERVAL_MS ?? '1000-2000').split('-').map(Number);
/** The big batch runs alone this long first, so its own rate is known and it owns the queue. */
const BIG_ALONE_MS = 2_000;
const BASELINE_BATCHES = Number(process.env.BENCH_BASELINE_BATCHES ?? 20);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
const FINISH_BIG = process.env.BENCH_FINISH_BIG === 'true';
const SAMPLE_EVERY_MS = 250;

runBench('fairness', async () => {
  const benchStarted = performance.now();
  const api = await startApi();
  const db = await benchDatabase();
  await startWorker();
  const { scheduling, worker } = api.app.get(AppConfig);
  console.log(
    `scheduling: FEEDER_TENANT_IN_FLIGHT=${scheduling.tenantInFlight}, WORKER_CONCURRENCY=${worker.concurrency}, ` +
      `FEEDER_INTERVAL_MS=${scheduling.feederIntervalMs}, RECONCILER_INTERVAL_MS=${scheduling.reconcilerIntervalMs}, ` +
      `RECONCILER_GRACE_MS=${scheduling.reconcilerGraceMs}`,
  );
  console.log(
    `mock provider: latency_ms ${LATENCY_MS} per call; big batch ${BIG_ITEMS} items; ${SMALL_TENANTS} small tenants, ` +
      `${SMALL_ITEMS}-item batches every ${INTERVAL_MIN_MS / 1000}-${INTERVAL_MAX_MS / 1000} s each, ` +
      `${SMALL_BATCHES} in all (or ${SUBMIT_WINDOW_MS / 1000} s of submitting)`,
  );
  const connection = { name: 'mock', kind: 'mock', settings: { latency_ms: LATENCY_MS } };
  const route = { task: 'summarization', model: 'mock-1', connection };
  const big = await api.tenant('big', { route });
  const smalls = await Promise.all(
    Array.from({ length: SMALL_TENANTS }, (_, i) => api.tenant(`small-${i}`, { route })),
  );
  const submitSmall = async (tenant: number, label: string) => {
    const items = Array.from({ length: SMALL_ITEMS }, (_, i) => ({
      custom_id: `${label}-${i}`,
      task: 'summarization',
      input: { text: `Report ${i} of ${label}. Revenue grew. Costs fell.`, max_words: 10 },
    }));
    const posted = performance.now();
    const { id } = await api.call<{ id: string }>('POST', '/v1/batches', smalls[tenant].key, { items });
    return { id, acceptMs: performance.now() - posted };
  };
  const allDone = (ids: string[]) => async () =>
    (await db.query('SELECT 1 FROM batches WHERE id = ANY($1) AND completed_at IS NULL', [ids])).rowCount === 0;

  // 1. The idle baseline: one small batch at a time.
  const baseline = [];
  for (let i = 0; i < BASELINE_BATCHES; i++) {
    baseline.push(await submitSmall(i % SMALL_TENANTS, `baseline-${i}`));
    if (!(await waitFor(allDone([baseline[i].id]), 10, 30_000))) throw new Error('a baseline batch took over 30 s');
  }

  // 2. The big batch, alone for a while; from now on, who holds BullMQ is sampled.
  const uploadStarted = performance.now();
  const bigBatch = await api.upload(
    big.key,
    jsonLines(BIG_ITEMS, (i) => ({
      custom_id: `doc-${i}`,
      task: 'summarization',
      input: { text: `Document ${i}. It says a few things. Revenue grew.`, max_words: 10 },
    })),
  );
  const uploaded = `${((performance.now() - uploadStarted) / 1000).toFixed(1)} s`;
  console.log(`big batch: ${BIG_ITEMS} items uploaded in ${uploaded}; running alone ${BIG_ALONE_MS / 1000} s`);
  const sampler = sampleEvery(SAMPLE_EVERY_MS, () => queueSample(db, api.itemsQueue, big.id));
  await sleep(BIG_ALONE_MS);

  // 3. Small batches, staggered, while the big one runs; then the big one is cancelled (or finished).
  const smallBatches: { id: string; acceptMs: number }[] = [];
  const windowStarted = performance.now();
  const random = seededRandom(8);
  let reserved = 0;
  await Promise.all(
    smalls.map(async (_, tenant) => {
      let next = windowStarted + (tenant * (INTERVAL_MIN_MS + INTERVAL_MAX_MS)) / 2 / SMALL_TENANTS;
      for (let k = 0; ; k++) {
        await sleep(Math.max(0, next - performance.now()));
        if (reserved++ >= SMALL_BATCHES || performance.now() - windowStarted > SUBMIT_WINDOW_MS) return;
        smallBatches.push(await submitSmall(tenant, `small-${tenant}-${k}`));
        next += INTERVAL_MIN_MS + random() * (INTERVAL_MAX_MS - INTERVAL_MIN_MS);
      }
    }),
  );
  const submitSeconds = (performance.now() - windowStarted) / 1000;
  await waitFor(allDone(smallBatches.map((b) => b.id)), 100, 60_000);
  const smallsDoneAt = performance.now();
  if (FINISH_BIG) console.log('waiting for the big batch to finish (BENCH_FINISH_BIG=true)');
  else await api.call('POST', `/v1/batches/${bigBatch}/cancel`, big.key);
  await waitFor(allDone([bigBatch]), 200, FINISH_BIG ? Infinity : 60_000);
  const samples = (await sampler.stop()).filter((s) => s.at >= windowStarted && s.at <= smallsDoneAt);

  // 4. The figures, from Postgres.
  const times = await batchTimes(db, [...baseline, ...smallBatches]);
  const idle = baseline.map((b) => times.get(b.id)!);
  const small = smallBatches.map((b) => times.get(b.id)!);
  const loaded = small.filter((t) => t.completed !== null);
  const elapsed = (t: BatchTimes) => t.completed! - t.created;
  const bigResult = await bigBatchFigures(db, bigBatch);
  const doneBy = (t: number) => countAtMost(bigResult.completions, t);
  const windowFrom = Math.min(...small.map((t) => t.created)); // small batches running, Postgres time
  const lastCreated = Math.max(...small.map((t) => t.created));
  const windowTo = Math.max(...loaded.map((t) => t.completed!));
  const windowSeconds = (windowTo - windowFrom) / 1000;
  const bigRate = (doneBy(windowTo) - doneBy(windowFrom)) / windowSeconds;
  const smallRate = (loaded.length * SMALL_ITEMS) / windowSeconds;
  const totalRate = bigRate + smallRate;
  const [firstDone, lastDone] = [bigResult.completions[0], bigResult.completions.at(-1) ?? NaN];
  const aloneTo = Math.min(windowFrom, lastDone);
  const aloneRate = (doneBy(aloneTo) - 1) / ((aloneTo - firstDone) / 1000);
  const progressAt = (t: number) => `${((100 * doneBy(t)) / BIG_ITEMS).toFixed(1)} %`;
  const bigRanThroughout = doneBy(windowTo) < BIG_ITEMS;

  console.log(`\nResults (ms; a batch's time is batches.completed_at - created_at in Postgres)`);
  console.log(
    table([
      [`idle baseline, ${idle.length} batches one at a time`, idle.map(elapsed)],
      [`during the big batch, ${loaded.length} batches`, loaded.map(elapsed)],
    ]),
  );
  const idleP50 = summary(idle.map(elapsed)).p50;
  const { p50, p99 } = summary(loaded.map(elapsed));
  console.log(`  loaded p50 = ${(p50 / idleP50).toFixed(1)}x, p99 = ${(p99 / idleP50).toFixed(1)}x the idle p50`);
  if (loaded.length < small.length) {
    console.log(`!! ${small.length - loaded.length} small batches did not complete within 60 s of the last submit`);
  }
  const failedSmall = small.reduce((n, t) => n + SMALL_ITEMS - t.succeeded, 0);
  if (failedSmall > 0) console.log(`!! ${failedSmall} small items did not succeed`);
  console.log(
    `small batches were submitted over ${submitSeconds.toFixed(1)} s, while the big batch was at ` +
      `${progressAt(windowFrom)} - ${progressAt(lastCreated)} (${doneBy(windowFrom)} - ${doneBy(lastCreated)} of ${BIG_ITEMS} done)`,
  );
  console.log(
    `big batch throughput: ${aloneRate.toFixed(0)} items/s alone (first ${((aloneTo - firstDone) / 1000).toFixed(1)} s), ` +
      `${bigRate.toFixed(0)} items/s while the small batches ran (+ ${smallRate.toFixed(0)} small items/s)`,
  );
  const fate =
    bigResult.status === 'completed'
      ? `finished: ${bigResult.completions.length} items done in ${((lastDone - bigResult.created) / 1000).toFixed(1)} s from submission`
      : `cancelled ${((smallsDoneAt - windowStarted) / 1000).toFixed(1)} s after the first small batch, once all small ` +
        `batches were done, at ${bigResult.completions.length}/${BIG_ITEMS} done (${progressAt(Infinity)}; ` +
        `${bigResult.cancelled} items cancelled, status ${bigResult.status})`;
  console.log(`big batch ${fate}${bigResult.failed ? `; ${bigResult.failed} big items failed` : ''}`);
  if (!bigRanThroughout) console.log(`!! the big batch was done before the small batches: raise BENCH_BIG_ITEMS`);

  console.log('\nWhere the time went (p50 / p99 / max, ms)');
  const phases: [string, (t: BatchTimes) => number][] = [
    ['batch created -> first item started', (t) => t.firstStarted - t.created],
    ['batch created -> last item started', (t) => t.lastStarted - t.created],
    ['longest item run (started -> completed)', (t) => t.maxRun],
    ['last item completed -> batch completed', (t) => t.completed! - t.lastItemCompleted],
  ];
  const phase = (list: BatchTimes[], f: (t: BatchTimes) => number) => p50p99max(summary(list.map(f)));
  console.log(table(phases.map(([label, f]) => [label, `idle ${phase(idle, f)}  |  loaded ${phase(loaded, f)}`])));
  const acceptMs = summary(smallBatches.map((b) => b.acceptMs));
  console.log(`small submit, POST -> 202 seen by the client: ${p50p99max(acceptMs)}`);

  const avg = (f: (s: QueueSample) => number) => mean(samples.map(f));
  const both = (f: (s: QueueSample) => number, digits = 0) =>
    `mean ${avg(f).toFixed(digits)} (max ${Math.max(0, ...samples.map(f))})`;
  console.log(
    `queue while the small batches ran (${samples.length} samples every ${SAMPLE_EVERY_MS} ms): ` +
      `big tenant's open dispatched items ${both((s) => s.bigInFlight)}, of them running mean ${avg((s) => s.bigRunning).toFixed(0)}; ` +
      `small tenants' ${both((s) => s.smallInFlight, 1)}, running ${avg((s) => s.smallRunning).toFixed(1)}; ` +
      `BullMQ waiting ${both((s) => s.waiting)}, active ${both((s) => s.active)}`,
  );
  // The feeder gives each job its place in its tenant's own line as BullMQ priority, lowest first:
  // with every worker slot busy on the big batch, a newcomer's jobs (1-20) go ahead of the big
  // tenant's refills and wait only for slots to free. (Not shown once the big batch is done.)
  const [waiting, active, slotMs] = [avg((s) => s.waiting), avg((s) => s.active), 1000 / totalRate];
  const bigQueued = avg((s) => s.bigInFlight - s.bigRunning);
  const bigShare = (100 * bigQueued) / Math.max(1e-9, bigQueued + avg((s) => s.smallInFlight - s.smallRunning));
  const offered = (SMALL_TENANTS * SMALL_ITEMS * 2000) / (INTERVAL_MIN_MS + INTERVAL_MAX_MS);
  if (bigRanThroughout) {
    console.log(
      `priority model: a new batch's jobs go ahead of the ~${waiting.toFixed(0)} waiting jobs (${bigShare.toFixed(0)} % ` +
        `the big tenant's); at ${totalRate.toFixed(0)} items/s a slot frees every ${slotMs.toFixed(1)} ms, so its ` +
        `${SMALL_ITEMS} items start within ~${(SMALL_ITEMS * slotMs).toFixed(0)} ms of their feed (FIFO: behind all ` +
        `the waiting jobs, ~${(waiting * slotMs).toFixed(0)} ms); a run takes ~${(active * slotMs).toFixed(0)} ms ` +
        `(Little: ${active.toFixed(0)} active / ${totalRate.toFixed(0)} items/s)`,
    );
  }
  if (bigRanThroughout && offered > totalRate / 2) {
    console.log(
      `!! the small tenants offered ~${offered.toFixed(0)} items/s, more than half of all the system ran while they did ` +
        `(${totalRate.toFixed(0)} items/s): the machine is busy, and the figures show overload more than scheduling`,
    );
  }
  console.log(`total bench time ${((performance.now() - benchStarted) / 1000).toFixed(0)} s`);
});

/** Per batch, epoch ms from Postgres (the worker's clock for item times; same host), and succeeded items. */
type BatchTimes = { completed: number | null } & Record<
  'created' | 'firstStarted' | 'lastStarted' | 'lastItemCompleted' | 'maxRun' | 'succeeded',
  number
>;

const ms = (column: string) => `extract(epoch FROM ${column})::float8 * 1000`;

async function batchTimes(db: Client, batches: { id: string }[]): Promise<Map<string, BatchTimes>> {
  const { rows } = await db.query<BatchTimes & { id: string }>(
    `SELECT b.id, ${ms('b.created_at')} AS created, ${ms('b.completed_at')} AS completed,
            ${ms('min(i.started_at)')} AS "firstStarted", ${ms('max(i.started_at)')} AS "lastStarted",
            ${ms('max(i.completed_at)')} AS "lastItemCompleted", ${ms('max(i.completed_at - i.started_at)')} AS "maxRun",
            count(*) FILTER (WHERE i.status = 'succeeded')::int AS succeeded
       FROM batches b JOIN items i ON i.batch_id = b.id
      WHERE b.id = ANY($1) GROUP BY b.id`,
    [batches.map((b) => b.id)],
  );
  return new Map(rows.map((row) => [row.id, row]));
}

/** The big batch: its status and creation, its items' completions (epoch ms, in order), cancelled and failed. */
async function bigBatchFigures(db: Client, id: string) {
  const { rows } = await db.query<{ created: number; status: string; cancelled: number; failed: number }>(
    `SELECT ${ms('created_at')} AS created, status,
            (SELECT count(*)::int FROM items WHERE batch_id = $1 AND status = 'cancelled') AS cancelled,
            (SELECT count(*)::int FROM items WHERE batch_id = $1 AND status = 'failed') AS failed
       FROM batches WHERE id = $1`,
    [id],
  );
  const completions = await db.query<{ t: number }>(
    `SELECT ${ms('completed_at')} AS t FROM items
      WHERE batch_id = $1 AND status IN ('succeeded', 'failed') ORDER BY completed_at`,
    [id],
  );
  return { ...rows[0], completions: completions.rows.map((row) => row.t) };
}

/** Who holds BullMQ: dispatched open items (and of them running) per side, from Postgres; BullMQ's counts. */
async function queueSample(db: Client, queue: Queue, bigTenant: string) {
  const { rows } = await db.query<Record<'bigInFlight' | 'bigRunning' | 'smallInFlight' | 'smallRunning', number>>(
    `SELECT count(*) FILTER (WHERE i.tenant_id = $1)::int AS "bigInFlight",
            count(*) FILTER (WHERE i.tenant_id = $1 AND i.status = 'running')::int AS "bigRunning",
            count(*) FILTER (WHERE i.tenant_id <> $1)::int AS "smallInFlight",
            count(*) FILTER (WHERE i.tenant_id <> $1 AND i.status = 'running')::int AS "smallRunning"
       FROM items i JOIN batches b ON b.id = i.batch_id
      WHERE i.position < b.dispatched_below AND i.status IN ('queued', 'running')`,
    [bigTenant],
  );
  const counts = await queue.getJobCounts('waiting', 'prioritized', 'active');
  return { at: performance.now(), ...rows[0], waiting: counts.waiting + counts.prioritized, active: counts.active };
}
type QueueSample = Awaited<ReturnType<typeof queueSample>>;
