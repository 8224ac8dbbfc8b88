import { setTimeout as sleep } from 'node:timers/promises';
import { ApiClient } from './support/api-client';
import { startSystem, type TestSystem } from './support/test-system';

const summaries = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    custom_id: `doc-${i}`,
    task: 'summarization',
    input: { text: `Quarterly report ${i}. Revenue grew. Costs fell.`, max_words: 10 },
  }));

async function attemptsOf(tenant: ApiClient, batchId: string) {
  const items = await tenant.items(batchId);
  return items.map((item) => ({ status: item.status, attempts: item.attempts, error: item.error }));
}

describe('retries and failover', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startSystem();
  });

  afterAll(() => system.close());

  it('retries a connection that fails its first call, and the retry succeeds', async () => {
    const tenant = await ApiClient.newTenant(system.http);
    const flaky = await tenant.mockConnection({ fail_first: 1, fail_with: 'server_error' });
    await tenant.route('summarization', [{ connection_id: flaky, max_retries: 2 }]);

    const { id } = await tenant.submit(summaries(3));
    const batch = await tenant.waitForBatch(id);

    expect(batch.counts).toMatchObject({ succeeded: 3, failed: 0 });
    const items = await tenant.items(id);
    for (const item of items) {
      expect(item).toMatchObject({ status: 'succeeded', attempts: 2, connection_id: flaky });
    }
    // Both calls are accounted for: the failed one spent no tokens, the successful one did.
    expect(batch.usage.input_tokens).toBe(items.reduce((n, i) => n + i.usage.input_tokens, 0));
  });

  it('honours a rate limit retry delay before calling again', async () => {
    const tenant = await ApiClient.newTenant(system.http);
    const limited = await tenant.mockConnection({ fail_first: 1, fail_with: 'rate_limited', retry_after_ms: 300 });
    await tenant.route('summarization', [{ connection_id: limited }]);

    const started = Date.now();
    const { id } = await tenant.submit(summaries(1));
    const batch = await tenant.waitForBatch(id);
    expect(batch.counts.succeeded).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(await attemptsOf(tenant, id)).toEqual([{ status: 'succeeded', attempts: 2, error: undefined }]);
  });

  it('fails over to the second target when the first always fails', async () => {
    const tenant = await ApiClient.newTenant(system.http);
    const broken = await tenant.mockConnection({ fail_rate: 1, fail_with: 'server_error' });
    const healthy = await tenant.mockConnection();
    await tenant.route('summarization', [
      { connection_id: broken, model: 'mock-primary', max_retries: 1 },
      { connection_id: healthy, model: 'mock-backup' },
    ]);

    // Two items: four failures, still under the breaker's threshold of five.
    const { id } = await tenant.submit(summaries(2));
    const batch = await tenant.waitForBatch(id);

    expect(batch.counts).toMatchObject({ total: 2, succeeded: 2, failed: 0 });
    for (const item of await tenant.items(id)) {
      // Two calls to the broken target (1 + 1 retry), then one to the healthy one.
      expect(item).toMatchObject({ status: 'succeeded', attempts: 3, connection_id: healthy, model: 'mock-backup' });
    }
  });

  it('reads a failover target’s connection when it gets there, not when the item started', async () => {
    const tenant = await ApiClient.newTenant(system.http);
    const slow = await tenant.mockConnection({ latency_ms: 1_500, fail_rate: 1, fail_with: 'server_error' });
    const spare = await tenant.mockConnection();
    await tenant.route('summarization', [
      { connection_id: slow, model: 'mock-primary', max_retries: 0 },
      { connection_id: spare, model: 'mock-spare', max_retries: 0 },
    ]);

    const { id } = await tenant.submit(summaries(1));
    // While the first target's call is on its way, the spare connection is changed to fail every call.
    const deadline = Date.now() + 5_000;
    while ((await tenant.items(id))[0].status !== 'running' && Date.now() < deadline) await sleep(20);
    await sleep(300);
    await tenant
      .patch(`/v1/connections/${spare}`, { settings: { fail_rate: 1, fail_with: 'server_error' } })
      .expect(200);

    await tenant.waitForBatch(id);
    // Called with the settings it had when the item started, the spare would have answered.
    const [item] = await tenant.items(id);
    expect(item).toMatchObject({ status: 'failed', attempts: 2, error: { code: 'server_error' } });
  });

  it('lets go of a call’s timeout timer when the call ends, not when the timeout would have passed', async () => {
    const tenant = await ApiClient.newTenant(system.http);
    const connection = await tenant.mockConnection();
    await tenant.route('summarization', [{ connection_id: connection, timeout_ms: 600_000 }]);
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

    const before = timers();
    const { id } = await tenant.submit(summaries(40));
    expect((await tenant.waitForBatch(id)).counts.succeeded).toBe(40);
    await sleep(200); // the worker's own short timers (job locks, feeds) settle
    // Forty calls with a ten-minute timeout: a timer kept until the timeout would be one per call.
    expect(timers() - before).toBeLessThan(10);
  });

  it('repairs an answer that does not fit the task once on the same target', async () => {
    const tenant = await ApiClient.newTenant(system.http);
    const sloppy = await tenant.mockConnection({ fail_first: 1, fail_with: 'invalid_output' });
    await tenant.route('summarization', [{ connection_id: sloppy, max_retries: 0 }]);

    const { id } = await tenant.submit(summaries(1));
    await tenant.waitForBatch(id);
    const [item] = await tenant.items(id);
    expect(item).toMatchObject({ status: 'succeeded', attempts: 2, connection_id: sloppy });
  });

  it('fails over when the repaired answer still does not fit, without retrying the same target', async () => {
    const tenant = await ApiClient.newTenant(system.http);
    const garbled = await tenant.mockConnection({ fail_rate: 1, fail_with: 'invalid_output' });
    const healthy = await tenant.mockConnection();
    await tenant.route('summarization', [{ connection_id: garbled, max_retries: 3 }, { connection_id: healthy }]);

    const { id } = await tenant.submit(summaries(1));
    await tenant.waitForBatch(id);
    const [item] = await tenant.items(id);
    // The answer, one repair try, then the healthy target.
    expect(item).toMatchObject({ status: 'succeeded', attempts: 3, connection_id: healthy });
    // The invalid answer still consumed tokens, and they are counted.
    expect(item.usage.output_tokens).toBeGreaterThan(0);
  });

  it('fails the item with the last error class once every target is exhausted, and finishes the batch', async () => {
    const tenant = await ApiClient.newTenant(system.http);
    const slow = await tenant.mockConnection({ fail_rate: 1, fail_with: 'timeout' });
    const broken = await tenant.mockConnection({ fail_rate: 1, fail_with: 'server_error' });
    await tenant.route('summarization', [
      { connection_id: slow, timeout_ms: 200, max_retries: 0 },
      { connection_id: broken, max_retries: 1 },
    ]);

    const { id } = await tenant.submit(summaries(2));
    const batch = await tenant.waitForBatch(id);
    expect(batch).toMatchObject({ status: 'completed', counts: { succeeded: 0, failed: 2 } });
    for (const item of await tenant.items(id)) {
      expect(item.status).toBe('failed');
      expect(item.attempts).toBe(3);
      expect(item.error.code).toBe('server_error');
      expect(item.error.message).toMatch(/target 2/);
      expect(item.result).toBeUndefined();
    }
  });

  it('fails an item with no_route when its task has no routing policy', async () => {
    const tenant = await ApiClient.newTenant(system.http);
    const { id } = await tenant.submit(summaries(1));
    await tenant.waitForBatch(id);
    const [item] = await tenant.items(id);
    expect(item).toMatchObject({ status: 'failed', attempts: 0, error: { code: 'no_route' } });
  });

  it('fails over on a provider that keeps answering 429 once its retries are used', async () => {
    const tenant = await ApiClient.newTenant(system.http);
    const limited = await tenant.mockConnection({ fail_rate: 1, fail_with: 'rate_limited', retry_after_ms: 50 });
    const backup = await tenant.mockConnection();
    await tenant.route('summarization', [{ connection_id: limited, max_retries: 1 }, { connection_id: backup }]);

    const { id } = await tenant.submit(summaries(1));
    await tenant.waitForBatch(id);
    expect((await tenant.items(id))[0]).toMatchObject({ status: 'succeeded', attempts: 3, connection_id: backup });
  });
});
