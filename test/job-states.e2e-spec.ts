import { getQueueToken } from '@nestjs/bullmq';
import { ITEMS_QUEUE, WEBHOOKS_QUEUE } from '@conduit/jobs';
import { QueueEvents, type Queue } from 'bullmq';
import { ApiClient } from './support/api-client';
import { startSystem, type TestSystem } from './support/test-system';

/** What an operator sees in Bull Board: an item's job ends in the state the item ended in. */
describe('item jobs in BullMQ', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startSystem();
  });

  afterAll(() => system.close(), 40_000);

  it('a failed item’s job is failed, with the item’s error as its reason; a succeeded one’s completed', async () => {
    const tenant = await ApiClient.newTenant(system.http);
    // Summaries are routed, classifications are not: those fail with no_route.
    await tenant.route('summarization', [{ connection_id: await tenant.mockConnection() }]);
    const { id } = await tenant.submit([
      { custom_id: 'ok', task: 'summarization', input: { text: 'Conduit runs AI work.' } },
      { custom_id: 'no-route', task: 'classification', input: { text: 'Charged twice', labels: ['billing', 'other'] } },
    ]);
    await tenant.waitForBatch(id);
    const items = Object.fromEntries((await tenant.items(id)).map((item) => [item.custom_id, item]));
    expect(items['no-route']).toMatchObject({ status: 'failed', error: { code: 'no_route' } });

    const queue = system.worker.get<Queue>(getQueueToken(ITEMS_QUEUE));
    expect(await queue.getJobState(items.ok.id)).toBe('completed');
    expect(await queue.getJobState(items['no-route'].id)).toBe('failed');
    const job = await queue.getJob(items['no-route'].id);
    expect(job?.failedReason).toMatch(/^no_route: /);
    // Failed for good at once: nothing BullMQ could retry would change the outcome.
    expect(job?.attemptsMade).toBe(1);
  });

  it.each([ITEMS_QUEUE, WEBHOOKS_QUEUE])(
    'a job on the %s queue with a name no handler knows fails at once, for good',
    async (queueName) => {
      const queue = system.worker.get<Queue>(getQueueToken(queueName));
      const events = new QueueEvents(queueName, { connection: await queue.client, prefix: queue.opts.prefix });
      try {
        await events.waitUntilReady();
        const job = await queue.add('no.such.job', {}, { attempts: 3, backoff: { type: 'fixed', delay: 60_000 } });
        await expect(job.waitUntilFinished(events, 5_000)).rejects.toThrow('no handler for job "no.such.job"');
        expect(await queue.getJobState(job.id!)).toBe('failed');
        expect((await queue.getJob(job.id!))?.attemptsMade).toBe(1);
      } finally {
        await events.close();
      }
    },
  );
});
