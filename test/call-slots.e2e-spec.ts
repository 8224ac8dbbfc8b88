import { DataSource } from 'typeorm';
import { FakeOpenAIServer } from './fakes';
import { ApiClient } from './support/api-client';
import { freePort } from './support/redis-server';
import { overrideEnv } from './support/env';
import { allowLoopbackEgress } from './support/loopback-egress';
import { startSystem, type TestSystem } from './support/test-system';

const LATENCY_MS = 1_000;

describe('call slots: more jobs than calls in flight (WORKER_CALLS_IN_FLIGHT)', () => {
  let system: TestSystem;
  let fake: FakeOpenAIServer;
  let closeFake: () => Promise<void>;
  let restore: (() => void)[];
  let workerMetrics: string;

  beforeAll(async () => {
    const port = await freePort();
    workerMetrics = `http://127.0.0.1:${port}/metrics`;
    restore = [
      allowLoopbackEgress(),
      overrideEnv({ WORKER_CONCURRENCY: '6', WORKER_CALLS_IN_FLIGHT: '2', METRICS_PORT: String(port) }),
    ];
    fake = new FakeOpenAIServer({ flavour: 'compatible', apiKey: 'sk-slots' });
    fake.latencyMs = LATENCY_MS;
    ({ close: closeFake } = await fake.start());
    system = await startSystem();
  });

  afterAll(async () => {
    await system.close();
    await closeFake();
    for (const undo of restore) undo();
  });

  /** What the worker's /metrics shows (METRICS_PORT). */
  const callsWaiting = async () => {
    const operator = Buffer.from(`${process.env.OPERATOR_USER}:${process.env.OPERATOR_PASSWORD}`).toString('base64');
    const response = await fetch(workerMetrics, { headers: { Authorization: `Basic ${operator}` } });
    expect(response.status).toBe(200);
    return Number(/^conduit_worker_calls_waiting (\S+)$/m.exec(await response.text())?.[1]);
  };

  it('keeps at most that many calls on the wire while the other jobs wait, and times each call (and its timeout) without its wait', async () => {
    const tenant = await ApiClient.newTenant(system.http);
    const connectionId = await tenant.compatibleConnection(`${fake.url}/v1`, 'sk-slots');
    // The last calls wait two rounds (~2 s) for a slot: a timeout that counted the wait would cut
    // them off (and a retry would add attempts).
    const timeout_ms = 1.5 * LATENCY_MS;
    await tenant.route('summarization', [
      { connection_id: connectionId, model: 'fake-model', timeout_ms, max_retries: 0 },
    ]);
    const documents = Array.from({ length: 6 }, (_, i) => ({
      custom_id: `doc-${i}`,
      task: 'summarization',
      input: { text: `Text ${i}.` },
    }));
    const { id } = await tenant.submit(documents);

    // All six jobs run; two calls are out, four wait for a slot, and the operator can see them.
    const seen: number[] = [];
    while (seen.at(-1) !== 4 && seen.length < 100) {
      seen.push(await callsWaiting());
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(seen.at(-1)).toBe(4);
    expect(fake.inFlight).toBe(2);

    expect((await tenant.waitForBatch(id)).counts.succeeded).toBe(6);
    expect(fake.maxInFlight).toBe(2);
    expect(await callsWaiting()).toBe(0);
    // The last calls waited two rounds for a slot; their attempts' latency is still the call's own.
    const attempts: { latency_ms: number }[] = await system.api
      .get(DataSource)
      .query('SELECT latency_ms FROM attempts WHERE batch_id = $1', [id]);
    expect(attempts).toHaveLength(6);
    for (const { latency_ms } of attempts) {
      expect(latency_ms).toBeGreaterThanOrEqual(LATENCY_MS);
      expect(latency_ms).toBeLessThan(1.5 * LATENCY_MS);
    }
  });
});
