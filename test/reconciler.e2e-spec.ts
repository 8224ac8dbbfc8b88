import { getQueueToken } from '@nestjs/bullmq';
import { ITEMS_QUEUE, Reconciler, SchedulerService } from '@conduit/jobs';
import type { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { DataSource } from 'typeorm';
import { ApiClient } from './support/api-client';
import { startSystem, type TestSystem } from './support/test-system';

const ITEMS = 300;

const summaries = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    custom_id: `doc-${i}`,
    task: 'summarization',
    input: { text: `Quarterly report ${i}. Revenue grew. Costs fell.`, max_words: 10 },
  }));

/**
 * Simulated FLUSHALL. Every key of Conduit lives under the run's QUEUE_PREFIX (BullMQ's queue
 * and jobs, and Conduit's own locks), so deleting them all is, for Conduit, the same event as
 * Redis losing its data, without wiping other users of the shared local Redis. One Lua script,
 * so it is atomic; in the same step it takes the reconciler lock, so the worker's own reconciler
 * stays out of the way and the test shows the stall before it repairs it.
 */
const FLUSH_AND_LOCK = `
  local keys = redis.call('KEYS', ARGV[1] .. ':*')
  for i = 1, #keys, 500 do redis.call('DEL', unpack(keys, i, math.min(i + 499, #keys))) end
  redis.call('SET', ARGV[2], 'held-by-the-test', 'PX', 600000)
  return #keys`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Postgres is the source of truth: the reconciler repairs a Redis that lost its data', () => {
  let system: TestSystem;
  let redis: IORedis;

  beforeAll(async () => {
    system = await startSystem();
    redis = new IORedis(process.env.REDIS_URL as string);
  });

  // Closing waits for the worker to drain its running jobs (up to SHUTDOWN_GRACE_MS), other tests' too.
  afterAll(async () => {
    redis.disconnect();
    await system.close();
  }, 40_000);

  it('finishes a batch after a FLUSHALL mid-batch, every item succeeded exactly once, nothing lost', async () => {
    const db = system.api.get(DataSource);
    const tenant = await ApiClient.newTenant(system.http);
    await tenant.routeAll(await tenant.mockConnection({ latency_ms: 50 }));
    const counts = async (batchId: string) => (await tenant.get(`/v1/batches/${batchId}`).expect(200)).body;

    const { id } = await tenant.submit(summaries(ITEMS));
    while ((await counts(id)).counts.succeeded < 40) await sleep(20);

    const lock = system.worker.get(SchedulerService).reconcilerLock;
    const deleted = await redis.eval(FLUSH_AND_LOCK, 0, process.env.QUEUE_PREFIX as string, lock);
    expect(deleted).toBeGreaterThan(0);

    // Without the reconciler the jobs Redis lost never come back: the batch stalls.
    await sleep(1_500);
    const stalled = await counts(id);
    expect(stalled.status).toBe('in_progress');
    expect(stalled.counts.succeeded).toBeLessThan(ITEMS);

    // Postgres says these are in BullMQ, and Redis has no job for them: lost. (A feed that was
    // under way at the flush may have added a few jobs after it; those are not lost.)
    const queue = system.worker.get<Queue>(getQueueToken(ITEMS_QUEUE));
    const dispatched: { id: string }[] = await db.query(
      `SELECT i.id FROM items i JOIN batches b ON b.id = i.batch_id
        WHERE i.batch_id = $1 AND i.position < b.dispatched_below AND i.status IN ('queued', 'running')`,
      [id],
    );
    const states = await Promise.all(dispatched.map((item) => queue.getJobState(item.id)));
    const lost = states.filter((state) => state === 'unknown').length;
    expect(lost).toBeGreaterThan(0);

    // This tenant only: earlier test files' leftovers in the shared database lost their jobs too,
    // and are no business of this test (the worker's own reconciler would take them in time).
    const report = await system.worker.get(Reconciler).reconcile({ tenantId: tenant.tenantId });
    expect(report.requeued).toBeGreaterThanOrEqual(lost);
    await redis.del(lock);

    const batch = await tenant.waitForBatch(id, 20_000);
    expect(batch).toMatchObject({
      status: 'completed',
      counts: { total: ITEMS, succeeded: ITEMS, failed: 0, queued: 0, running: 0, cancelled: 0 },
    });
    const [items] = await db.query(
      `SELECT count(*)::int AS total, count(DISTINCT custom_id)::int AS distinct_ids,
              count(*) FILTER (WHERE status = 'succeeded' AND result IS NOT NULL AND completed_at IS NOT NULL)::int AS succeeded
         FROM items WHERE batch_id = $1`,
      [id],
    );
    expect(items).toEqual({ total: ITEMS, distinct_ids: ITEMS, succeeded: ITEMS });
    // Every item was called at least once; a call cut short by the flush may have been repeated,
    // and is recorded (it was real), but the item kept one result.
    const [{ min_calls }] = await db.query(
      `SELECT min(coalesce(a.calls, 0))::int AS min_calls FROM items i
         LEFT JOIN (SELECT item_id, count(*) AS calls FROM attempts GROUP BY item_id) a ON a.item_id = i.id
        WHERE i.batch_id = $1`,
      [id],
    );
    expect(min_calls).toBeGreaterThanOrEqual(1);
    console.log(
      `reconciler: ${deleted} Redis keys deleted with ${stalled.counts.succeeded}/${ITEMS} done, ${lost} lost; ` +
        `report ${JSON.stringify(report)}`,
    );
  }, 30_000);

  it('runs an item again whose job finished while the item stayed open, removing the old job first', async () => {
    const db = system.api.get(DataSource);
    const queue = system.worker.get<Queue>(getQueueToken(ITEMS_QUEUE));
    const lock = system.worker.get(SchedulerService).reconcilerLock;
    const tenant = await ApiClient.newTenant(system.http);
    await tenant.routeAll(await tenant.mockConnection());
    const { id } = await tenant.submit(summaries(3));
    await tenant.waitForBatch(id);
    const [item] = await tenant.items(id);

    // As after a job failed for good during a long Postgres outage: BullMQ is done with the job,
    // Postgres still has the item open. Adding the same job id again would be a no-op while the
    // old job exists, so the reconciler must remove it first.
    await redis.set(lock, 'held-by-the-test', 'PX', 60_000);
    // Its run ended long ago: its lease is not renewed any more.
    await db.query(
      `UPDATE items SET status = 'running', result = NULL, completed_at = NULL, lease_until = NULL WHERE id = $1`,
      [item.id],
    );
    await db.query(`UPDATE batches SET status = 'in_progress', completed_at = NULL WHERE id = $1`, [id]);
    expect(await queue.getJobState(item.id)).toBe('completed');

    const report = await system.worker.get(Reconciler).reconcile({ tenantId: tenant.tenantId });
    await redis.del(lock);
    expect(report).toEqual({ checked: 1, requeued: 1, removedJobs: 1 });

    const batch = await tenant.waitForBatch(id, 15_000);
    expect(batch.counts).toMatchObject({ total: 3, succeeded: 3 });
    const again = (await tenant.get(`/v1/items/${item.id}`).expect(200)).body;
    expect(again).toMatchObject({ status: 'succeeded', attempts: 2 });
  }, 20_000);
});
