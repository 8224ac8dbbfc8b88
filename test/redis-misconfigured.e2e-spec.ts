import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type IORedis from 'ioredis';
import { ApiClient } from './support/api-client';
import { overrideEnv } from './support/env';
import { startApiProcess, type AppProcess } from './support/app-process';
import { freePort, TestRedisServer } from './support/redis-server';
import { startSystem } from './support/test-system';
import { startWorkerProcess } from './support/worker-process';

/** Log bytes a process may write in the measured window: a couple of KB a second. */
const WINDOW_MS = 10_000;
const MAX_WINDOW_BYTES = 20_000;
const REPEAT_INTERVAL_MS = 2_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** SIGTERM, and how the process ended (SIGKILL after 30 s: a process held open by an unusable Redis). */
async function stop(app: AppProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (app.child.exitCode === null && app.child.signalCode === null) app.child.kill('SIGTERM');
  const timer = setTimeout(() => app.child.kill('SIGKILL'), 30_000);
  const exit = await app.exited;
  clearTimeout(timer);
  return exit;
}

describe('apps pointed at a Redis they cannot use', () => {
  const locked = new TestRedisServer('not-given-to-the-apps'); // needs a password the apps lack
  const replica = new TestRedisServer(); // a read-only replica (of a primary that is not there)
  const full = new TestRedisServer(); // at maxmemory with noeviction: every write refused
  const admin = new Map<TestRedisServer, IORedis>();
  let notRedis: Server; // answers, but in HTTP
  const workers: Record<string, AppProcess> = {};
  let api: AppProcess | undefined;

  beforeAll(async () => {
    await Promise.all([locked, replica, full].map((server) => server.start()));
    for (const server of [locked, replica, full]) admin.set(server, server.client());
    await admin.get(replica)?.replicaof('127.0.0.1', await freePort());
    await admin.get(full)?.config('SET', 'maxmemory', '1');
    notRedis = createServer((_, response) => response.end('not redis'));
    await new Promise<void>((resolve) => notRedis.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await Promise.all([...Object.values(workers), ...(api ? [api] : [])].map(stop));
    for (const client of admin.values()) client.disconnect();
    await Promise.all([locked, replica, full].map((server) => server.stop()));
    await new Promise((resolve) => notRedis?.close(resolve));
  });

  it('log a few lines, not a storm: repeated errors once per interval with a count', async () => {
    const targets: Record<string, string> = {
      'needs a password': locked.url,
      'is a read-only replica': replica.url,
      'is full': full.url,
      'is not Redis': `redis://127.0.0.1:${(notRedis.address() as AddressInfo).port}`,
      'is not there': `redis://127.0.0.1:${await freePort()}`,
    };
    const env = { LOG_REPEAT_INTERVAL_MS: String(REPEAT_INTERVAL_MS) };
    // Two at a time (the apps compile as they boot, on two cores); each recorded as soon as it
    // runs, so that afterAll stops it whatever fails.
    const apiStarted = await startApiProcess({ ...env, REDIS_URL: locked.url });
    api = apiStarted;
    const names = Object.keys(targets);
    for (let i = 0; i < names.length; i += 2) {
      await Promise.all(
        names
          .slice(i, i + 2)
          .map(async (name) => (workers[name] = await startWorkerProcess({ ...env, REDIS_URL: targets[name] }))),
      );
    }

    const processes: Record<string, AppProcess> = { ...workers, 'the API (password)': apiStarted };
    const before = Object.fromEntries(Object.entries(processes).map(([name, p]) => [name, p.output().length]));
    const readiness: number[] = [];
    const windowEnd = Date.now() + WINDOW_MS;
    while (Date.now() < windowEnd) {
      // What a load balancer does meanwhile: the API says it is not ready, and why.
      const response = await fetch(`${apiStarted.url}/health/ready`);
      readiness.push(response.status);
      await sleep(500);
    }
    const logged = Object.fromEntries(
      Object.entries(processes).map(([name, p]) => [name, p.output().length - before[name]]),
    );

    console.log(`redis-misconfigured: log bytes in ${WINDOW_MS / 1000} s: ${JSON.stringify(logged)}`);
    for (const [name, bytes] of Object.entries(logged)) {
      expect({ name, bytes, small: bytes < MAX_WINDOW_BYTES }).toEqual({ name, bytes, small: true });
    }
    expect(new Set(readiness)).toEqual(new Set([503]));
    // The operator still learns what is wrong and how often: the error, then its count per interval.
    const replicaLog = workers['is a read-only replica'].output();
    expect(replicaLog).toContain('READONLY');
    expect(replicaLog).toMatch(/"repeated":\d+/);
    expect(workers['needs a password'].output()).toContain('NOAUTH');
  }, 240_000);

  it('recover without a restart once the Redis is usable again', async () => {
    // SIGTERM still stops them cleanly: nothing waits forever for a Redis that cannot serve it.
    const stopped = await Promise.all(
      [workers['is full'], workers['is not Redis'], workers['is not there'], api].map((app) => stop(app!)),
    );
    expect(stopped).toEqual(Array(4).fill({ code: 0, signal: null }));

    // One worker at a time: every worker feeds any tenant's items into its own Redis.
    const fixes: Array<[string, TestRedisServer, () => Promise<unknown>]> = [
      ['needs a password', locked, () => admin.get(locked)!.config('SET', 'requirepass', '')],
      ['is a read-only replica', replica, () => admin.get(replica)!.replicaof('NO', 'ONE')],
    ];
    for (const [name, server, fix] of fixes) {
      await fix();
      const restoreEnv = overrideEnv({ REDIS_URL: server.url });
      const system = await startSystem({ worker: false });
      try {
        const tenant = await ApiClient.newTenant(system.http);
        await tenant.routeAll(await tenant.mockConnection());
        const { id } = await tenant.submit(
          Array.from({ length: 5 }, (_, i) => ({ custom_id: `r-${i}`, task: 'summarization', input: { text: 'x.' } })),
        );
        const batch = await tenant.waitForBatch(id, 60_000);
        expect({ name, counts: batch.counts }).toMatchObject({ name, counts: { total: 5, succeeded: 5 } });
      } finally {
        await system.close();
        restoreEnv();
      }
      expect(await stop(workers[name])).toEqual({ code: 0, signal: null });
    }
  }, 180_000);
});
