import { getQueueToken } from '@nestjs/bullmq';
import { ITEMS_QUEUE } from '@conduit/jobs';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { overrideEnv } from './support/env';
import { ApiClient } from './support/api-client';
import { startSystem, type TestSystem } from './support/test-system';

/** Each tenant's share of BullMQ in this test; small, so a 3,000-item batch is 150 times it. */
const BOUND = 20;
const BIG = 3_000;
const SMALL = 20;

const summaries = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => ({
    custom_id: `${prefix}-${i}`,
    task: 'summarization',
    input: { text: `Report ${i}. Revenue grew. Costs fell.`, max_words: 10 },
  }));

/** A tenant's items in BullMQ as far as Postgres knows: open, below their batch's dispatch cursor. */
async function inFlightOf(db: DataSource, tenantId: string): Promise<number> {
  const [{ n }] = await db.query(
    `SELECT count(*)::int AS n FROM items i JOIN batches b ON b.id = i.batch_id
      WHERE i.tenant_id = $1 AND i.position < b.dispatched_below AND i.status IN ('queued', 'running')`,
    [tenantId],
  );
  return n as number;
}

describe('fair scheduling between tenants', () => {
  let system: TestSystem;
  let restoreEnv: () => void;

  beforeAll(async () => {
    // Read by the config at boot. A short feeder interval, so the big tenant runs at full speed
    // (a slow feeder would make the small batch win for the wrong reason).
    restoreEnv = overrideEnv({ FEEDER_TENANT_IN_FLIGHT: String(BOUND), FEEDER_INTERVAL_MS: '50' });
    system = await startSystem();
  });

  // Closing waits for the worker to drain its running jobs (up to SHUTDOWN_GRACE_MS), other tests' too.
  afterAll(async () => {
    await system.close();
    restoreEnv();
  }, 40_000);

  it("finishes a small batch submitted after a huge one of another tenant while the huge one is far from done, and bounds each tenant's share of Redis", async () => {
    const db = system.api.get(DataSource);
    const queue = system.worker.get<Queue>(getQueueToken(ITEMS_QUEUE));
    const big = await ApiClient.newTenant(system.http);
    const small = await ApiClient.newTenant(system.http);
    await big.routeAll(await big.mockConnection({ latency_ms: 30 }));
    await small.routeAll(await small.mockConnection({ latency_ms: 30 }));

    const succeeded = async (tenant: ApiClient, batchId: string) =>
      (await tenant.get(`/v1/batches/${batchId}`).expect(200)).body.counts.succeeded as number;

    // The big tenant's jobs in BullMQ (any state before finished), how many of those are for items
    // still open in Postgres (read after Redis), and its dispatched open items per Postgres.
    const sample = async () => {
      const jobs = await queue.getJobs(['waiting', 'active', 'delayed', 'prioritized', 'paused']);
      const ids = jobs.filter((job) => job?.data?.tenantId === big.tenantId).map((job) => job.id);
      const [{ open }] = await db.query(
        `SELECT count(*)::int AS open FROM items WHERE id = ANY($1) AND status IN ('queued', 'running')`,
        [ids],
      );
      return { redis: ids.length, redisOpen: open as number, inFlight: await inFlightOf(db, big.tenantId) };
    };
    const samples: Awaited<ReturnType<typeof sample>>[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push(await sample());
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();

    const started = Date.now();
    const { id: bigBatch } = await big.submit(summaries(BIG, 'big'));
    // The big batch is running (and owns the queue) before the small one arrives.
    while ((await succeeded(big, bigBatch)) < 2 * BOUND) await new Promise((resolve) => setTimeout(resolve, 20));

    const submitted = Date.now();
    const { id: smallBatch } = await small.submit(summaries(SMALL, 'small'));
    const smallDone = await small.waitForBatch(smallBatch, 20_000);
    const smallMs = Date.now() - submitted;
    const bigDone = await succeeded(big, bigBatch);
    sampling = false;
    await sampler;

    expect(smallDone.counts).toMatchObject({ total: SMALL, succeeded: SMALL });
    // Without the feeder all 3,000 items would sit in BullMQ ahead of the small batch.
    expect(bigDone).toBeLessThan(BIG / 2);
    // The bound holds. Postgres never counts more dispatched open items than the bound (claims are
    // serialized per tenant), and BullMQ never holds more jobs for open items. BullMQ may briefly
    // hold a few more jobs in all: a job stays `active` for a moment after its item finished in
    // Postgres, while the feeder may already have refilled that slot; those are running jobs, so
    // at most one worker's concurrency on top, and nowhere near the batch's size.
    const max = (key: keyof (typeof samples)[number]) => Math.max(...samples.map((s) => s[key]));
    expect(samples.length).toBeGreaterThan(10);
    expect(max('inFlight')).toBeLessThanOrEqual(BOUND);
    expect(max('redisOpen')).toBeLessThanOrEqual(BOUND);
    expect(max('redis')).toBeLessThanOrEqual(BOUND + Number(process.env.WORKER_CONCURRENCY));
    console.log(
      `fairness: small batch of ${SMALL} done in ${smallMs} ms; big batch ${bigDone}/${BIG} done after ` +
        `${Date.now() - started} ms; big tenant max: in flight ${max('inFlight')}, jobs in Redis ` +
        `${max('redis')} (for open items ${max('redisOpen')}) over ${samples.length} samples`,
    );

    // The big batch's rest would keep later test files' workers busy: cancel it.
    await db.query(
      `UPDATE items SET status = 'cancelled', completed_at = now() WHERE batch_id = $1 AND status IN ('queued', 'running')`,
      [bigBatch],
    );
    await db.query(`UPDATE batches SET status = 'cancelled', completed_at = now() WHERE id = $1`, [bigBatch]);
  }, 30_000);

  it("keeps a tenant's bound across its batches, feeds them oldest first and skips one cancelled while waiting", async () => {
    const db = system.api.get(DataSource);
    const tenant = await ApiClient.newTenant(system.http);
    await tenant.routeAll(await tenant.mockConnection({ latency_ms: 20 }));
    const samples: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push(await inFlightOf(db, tenant.tenantId));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();

    const first = await tenant.submit(summaries(60, 'first'));
    const second = await tenant.submit(summaries(40, 'second'));
    const third = await tenant.submit(summaries(60, 'third'));
    // The second batch waits behind the first (3 bounds' worth) and is cancelled while it does.
    const cancelled = (await tenant.post(`/v1/batches/${second.id}/cancel`).expect(200)).body;
    const [a, b, c] = [
      await tenant.waitForBatch(first.id, 20_000),
      await tenant.waitForBatch(second.id, 20_000),
      await tenant.waitForBatch(third.id, 20_000),
    ];
    sampling = false;
    await sampler;

    expect(a.counts).toMatchObject({ total: 60, succeeded: 60 });
    expect(c.counts).toMatchObject({ total: 60, succeeded: 60 });
    expect(b.status).toBe('cancelled');
    expect(b.counts.succeeded + b.counts.cancelled).toBe(40);
    expect(cancelled.counts.cancelled).toBe(b.counts.cancelled);
    expect(Math.max(...samples)).toBeLessThanOrEqual(BOUND);
    expect(samples.some((n) => n === BOUND)).toBe(true); // the bound was reached, not merely respected
    const [{ first_started, third_started, calls, items }] = await db.query(
      `SELECT min(i.started_at) FILTER (WHERE i.batch_id = $1) AS first_started,
              min(i.started_at) FILTER (WHERE i.batch_id = $3) AS third_started,
              (SELECT count(*)::int FROM attempts WHERE batch_id IN ($1, $3) AND outcome = 'success') AS calls,
              count(*) FILTER (WHERE i.batch_id IN ($1, $3))::int AS items
         FROM items i WHERE i.batch_id IN ($1, $2, $3)`,
      [first.id, second.id, third.id],
    );
    expect(new Date(first_started).getTime()).toBeLessThan(new Date(third_started).getTime());
    expect(calls).toBe(items); // each item of the two batches ran once
  }, 30_000);
});

describe('priorities put a newcomer ahead of a backlog', () => {
  const backlogBound = 300;
  let system: TestSystem;
  let restoreEnv: () => void;

  beforeAll(async () => {
    restoreEnv = overrideEnv({ FEEDER_TENANT_IN_FLIGHT: String(backlogBound), FEEDER_INTERVAL_MS: '50' });
    system = await startSystem();
  });

  afterAll(async () => {
    await system.close();
    restoreEnv();
  }, 40_000);

  it("runs a new tenant's items before another tenant's jobs already waiting in BullMQ", async () => {
    const db = system.api.get(DataSource);
    const big = await ApiClient.newTenant(system.http);
    const small = await ApiClient.newTenant(system.http);
    await big.routeAll(await big.mockConnection({ latency_ms: 30 }));
    await small.routeAll(await small.mockConnection({ latency_ms: 30 }));

    const { id: bigBatch } = await big.submit(summaries(1_000, 'big'));
    // Wait until the big tenant has a backlog waiting in BullMQ: dispatched, not started.
    const waiting = async () =>
      (
        await db.query(
          `SELECT i.id FROM items i JOIN batches b ON b.id = i.batch_id
            WHERE i.batch_id = $1 AND i.position < b.dispatched_below AND i.status = 'queued'`,
          [bigBatch],
        )
      ).map((row: { id: string }) => row.id) as string[];
    let backlog = await waiting();
    while (backlog.length < backlogBound / 2) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      backlog = await waiting();
    }

    const { id: smallBatch } = await small.submit(summaries(SMALL, 'small'));
    await small.waitForBatch(smallBatch, 20_000);
    // When the small batch's jobs went into BullMQ (their creation time; finished jobs are kept).
    const queue = system.worker.get<Queue>(getQueueToken(ITEMS_QUEUE));
    const smallItems: { id: string }[] = await db.query(`SELECT id FROM items WHERE batch_id = $1`, [smallBatch]);
    const jobs = await Promise.all(smallItems.map((item) => queue.getJob(item.id)));
    const queuedAt = Math.min(...jobs.map((job) => job?.timestamp ?? Infinity));
    expect(queuedAt).toBeLessThan(Infinity);

    // Of the backlog, how many started after the small batch was queued and before its last item
    // started? In FIFO order that would be every one still waiting; by priority, none but a
    // worker's handful that was being fetched at that moment.
    const [{ overtaken, window }] = await db.query(
      `WITH s AS (SELECT to_timestamp($3::float8 / 1000) AS queued, max(started_at) AS last_started
                    FROM items WHERE batch_id = $1)
       SELECT count(*) FILTER (WHERE i.started_at > s.queued AND i.started_at < s.last_started)::int AS overtaken,
              count(*) FILTER (WHERE i.started_at IS NULL OR i.started_at > s.queued)::int AS window
         FROM items i, s WHERE i.id = ANY($2)`,
      [smallBatch, backlog, queuedAt],
    );
    expect(window).toBeGreaterThan(Number(process.env.WORKER_CONCURRENCY) * 2); // a real backlog remained
    expect(overtaken).toBeLessThanOrEqual(Number(process.env.WORKER_CONCURRENCY));

    await db.query(
      `UPDATE items SET status = 'cancelled', completed_at = now() WHERE batch_id = $1 AND status IN ('queued', 'running')`,
      [bigBatch],
    );
    await db.query(`UPDATE batches SET status = 'cancelled', completed_at = now() WHERE id = $1`, [bigBatch]);
  }, 30_000);
});
