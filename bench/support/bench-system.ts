// What every bench shares: its own database and queue prefix on the local Postgres and Redis, the
// API booted in this process, workers in their own processes, and the cleanup of all of it. Import
// this module first: it sets the environment the apps read when they boot.
// Worker knobs for every bench: BENCH_WORKER_ENTRY=dist/apps/worker/main.js (a built worker instead
// of ts-node), BENCH_WORKER_ARGS="--trace-gc" (more node flags), BENCH_WORKER_CPU_PROF=<dir>.
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { INestApplication } from '@nestjs/common';
import type { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { cpuSecondsOf } from './process-stats';

export const run = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
export const adminDatabaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const queuePrefix = `conduit-bench-${run}`;
export const databaseName = `conduit_bench_${run}`;
const databaseUrl = Object.assign(new URL(adminDatabaseUrl), { pathname: `/${databaseName}` }).toString();

Object.assign(process.env, {
  NODE_ENV: 'development',
  DATABASE_URL: databaseUrl,
  REDIS_URL: redisUrl,
  QUEUE_PREFIX: queuePrefix,
  DB_MIGRATE: 'true',
  DEMO_SEED: 'false',
  LOG_LEVEL: 'warn',
  API_RATE_LIMIT_PER_MINUTE: '0',
  // Secrets of this run, so a worker may also run with NODE_ENV=production and open the API's seals.
  PLATFORM_ADMIN_TOKEN: randomBytes(24).toString('hex'),
  OPERATOR_USER: 'operator',
  OPERATOR_PASSWORD: randomBytes(16).toString('hex'),
  VAULT_KEYS: `bench:${randomBytes(32).toString('base64')}`,
});
delete process.env.LOG_FILE;

const closers: (() => Promise<unknown>)[] = [];

/** Registers something to close when the bench ends (last registered, first closed). */
export function onCleanUp(close: () => Promise<unknown> | void): void {
  closers.push(async () => close());
}

/**
 * Runs a bench: prints its run id, then `main`; whatever happens (an error, Ctrl-C), closes what
 * was registered, drops the run's database and deletes its Redis keys, and exits.
 */
export function runBench(name: string, main: () => Promise<void>): void {
  console.log(`bench:${name}, run ${run} (database ${databaseName}, Redis keys ${queuePrefix}*)`);
  let cleaning: Promise<void> | undefined;
  const cleanUp = () => (cleaning ??= closeAll());
  process.once('SIGINT', () => void cleanUp().finally(() => process.exit(130)));
  const fail = (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  };
  postgresLikeProduction()
    .then(main)
    .catch(fail)
    .then(cleanUp)
    .catch(fail)
    .finally(() => process.exit());
}

/**
 * Every bench runs on a Postgres configured as in production, where autovacuum is always on: a
 * server that has it off (some development and CI images do) gets it turned on for the run
 * (ALTER SYSTEM, then a reload) and put back at the end. Prints the settings the run used.
 */
async function postgresLikeProduction(): Promise<void> {
  const admin = new Client({ connectionString: adminDatabaseUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ autovacuum: string }>('SHOW autovacuum');
    if (rows[0].autovacuum === 'off') {
      await admin.query('ALTER SYSTEM SET autovacuum = on');
      await admin.query('SELECT pg_reload_conf()');
      onCleanUp(async () => {
        const restore = new Client({ connectionString: adminDatabaseUrl });
        await restore.connect();
        await restore.query('ALTER SYSTEM RESET autovacuum');
        await restore.query('SELECT pg_reload_conf()');
        await restore.end();
        console.log('Postgres: autovacuum is off again, as this server had it');
      });
      console.log('Postgres: autovacuum was off on this server; on for this run (as in production)');
      await sleep(200); // the reload reaches the autovacuum launcher
    }
    const settings = await admin.query<{ name: string; setting: string }>(
      `SELECT name, current_setting(name) AS setting FROM unnest($1::text[]) AS name`,
      [['server_version', ...POSTGRES_SETTINGS]],
    );
    console.log(`Postgres ${settings.rows.map((row) => `${row.name}=${row.setting}`).join(', ')}`);
  } finally {
    await admin.end();
  }
}

/** The settings a bench's figures depend on, printed with them. */
const POSTGRES_SETTINGS = [
  'autovacuum',
  'autovacuum_naptime',
  'autovacuum_vacuum_scale_factor',
  'autovacuum_analyze_scale_factor',
  'shared_buffers',
  'work_mem',
  'synchronous_commit',
  'fsync',
  'max_connections',
];

async function closeAll(): Promise<void> {
  for (const close of closers.reverse()) await close().catch((error: unknown) => console.error('cleanup:', error));
  const admin = new Client({ connectionString: adminDatabaseUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
  await admin.end();
  const redis = new IORedis(redisUrl);
  for await (const keys of redis.scanStream({ match: `${queuePrefix}*`, count: 1_000 }) as AsyncIterable<string[]>) {
    if (keys.length > 0) await redis.unlink(...keys);
  }
  await redis.quit();
}

/** The bench database, directly, for checks and figures (closed at the end). */
export async function benchDatabase(): Promise<Client> {
  const client = new Client({ connectionString: databaseUrl });
  client.on('error', () => undefined); // a failed run drops the database under it
  await client.connect();
  onCleanUp(() => client.end());
  return client;
}

/** A client of the bench's Redis server (closed at the end). */
export function benchRedis(): IORedis {
  const redis = new IORedis(redisUrl);
  onCleanUp(() => redis.quit());
  return redis;
}

/** `GET /v1/batches/:id`, the fields the benches read. */
export interface Batch {
  status: string;
  counts: Record<'total' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled', number>;
  completed_at: string | null;
}

export interface Tenant {
  id: string;
  key: string;
}

export interface BenchApi {
  app: INestApplication;
  /** Closes the API now, once (the cleanup then skips it). */
  close(): Promise<void>;
  /** The API's BullMQ queue of item jobs. */
  itemsQueue: Queue;
  call<T = Record<string, unknown>>(method: string, path: string, token: string, body?: unknown): Promise<T>;
  /** A new tenant; with `route`, its `task` goes to one new connection (the body of POST /v1/connections). */
  tenant(
    name: string,
    options?: { plan?: string; route?: { task: string; model: string; connection: Record<string, unknown> } },
  ): Promise<Tenant>;
  /** Uploads a JSON Lines batch (see `jsonLines`); returns its id once the API answered 202. */
  upload(key: string, lines: string): Promise<string>;
  batch(key: string, id: string): Promise<Batch>;
}

/** The real API in this process, listening on a free loopback port; migrates the bench database. */
export async function startApi(): Promise<BenchApi> {
  // Imported here, after the environment above (and the bench's own) is set.
  const { createApiApp } = await import('../../apps/api/src/main');
  const { AppConfig } = await import('@conduit/config');
  const { ITEMS_QUEUE } = await import('@conduit/jobs');
  const { getQueueToken } = await import('@nestjs/bullmq');
  const app = await createApiApp();
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= app.close());
  onCleanUp(close);
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  const adminToken = app.get(AppConfig).auth.platformAdminToken;
  const request = async (method: string, path: string, token: string, body?: string, type = 'application/json') => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      body,
    });
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
    return { status: response.status, body: (await response.json()) as unknown };
  };
  const call = async <T>(method: string, path: string, token: string, body?: unknown) =>
    (await request(method, path, token, body === undefined ? undefined : JSON.stringify(body))).body as T;
  return {
    app,
    close,
    itemsQueue: app.get<Queue>(getQueueToken(ITEMS_QUEUE)),
    call,
    tenant: async (name, { plan = 'pro', route } = {}) => {
      const created = await call<{ id: string; owner_api_key: string }>('POST', '/v1/admin/tenants', adminToken, {
        name,
        plan,
      });
      const tenant = { id: created.id, key: created.owner_api_key };
      if (route) {
        const connection = await call<{ id: string }>('POST', '/v1/connections', tenant.key, route.connection);
        await call('PUT', `/v1/routing/${route.task}`, tenant.key, {
          targets: [{ connection_id: connection.id, model: route.model }],
        });
      }
      return tenant;
    },
    upload: async (key, lines) => {
      const answer = await request('POST', '/v1/batches', key, lines, 'application/x-ndjson');
      if (answer.status !== 202) throw new Error(`the upload answered ${answer.status}, not 202`);
      return (answer.body as { id: string }).id;
    },
    batch: (key, id) => call<Batch>('GET', `/v1/batches/${id}`, key),
  };
}

/** Calls `done` every `everyMs` until it is true (true) or `timeoutMs` has passed (false). */
export async function waitFor(done: () => Promise<boolean>, everyMs: number, timeoutMs = Infinity): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await done()) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}

/** A JSON Lines body of `count` items. */
export function jsonLines(count: number, item: (i: number) => Record<string, unknown>): string {
  return Array.from({ length: count }, (_, i) => JSON.stringify(item(i))).join('\n');
}

export interface WorkerProcess {
  pid: number;
  /** What runs: the built entry or the sources through ts-node. */
  entry: string;
  /** CPU time the process has used so far (user + system). */
  cpuSeconds(): number;
  running(): boolean;
  stop(): Promise<void>;
}

/** The node flags `npm run start:worker` and `start:prod:worker` give the worker (package.json). */
const WORKER_NODE_FLAGS = ['--max-semi-space-size=64'];

/**
 * A real worker process on the bench's database and prefix (the sources through ts-node, as `npm run
 * start:worker`, unless BENCH_WORKER_ENTRY names a built one), stopped at the end. `onLine` sees each
 * line of its stdout; return true to keep a line out of the log tail shown if the worker exits
 * unexpectedly. Its stderr goes to this process's.
 */
export async function startWorker(
  options: { env?: Record<string, string>; nodeArgs?: string[]; onLine?: (line: string) => boolean } = {},
): Promise<WorkerProcess> {
  const built = process.env.BENCH_WORKER_ENTRY;
  const profile = process.env.BENCH_WORKER_CPU_PROF;
  const child = spawn(
    process.execPath,
    [
      ...WORKER_NODE_FLAGS,
      ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []),
      ...(process.env.BENCH_WORKER_ARGS ?? '').split(' ').filter(Boolean),
      ...(options.nodeArgs ?? []),
      ...(built ? [built] : ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register']),
      built ?? 'apps/worker/src/main.ts',
    ],
    {
      cwd: join(__dirname, '..', '..'),
      env: { ...process.env, LOG_LEVEL: 'info', ...options.env }, // info: "Worker started" says it is ready
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let tail = '';
  let partial = '';
  let stopping = false;
  const keep = (text: string) => (tail = (tail + text).slice(-20_000));
  child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (!options.onLine?.(line)) keep(`${line}\n`);
  });
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code, signal) => {
    if (!stopping) console.error(`!! the worker exited (${code ?? signal}):\n${tail.slice(-5_000)}`);
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    stopping = true;
    if (!running()) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  };
  onCleanUp(stop);
  const deadline = Date.now() + 90_000;
  while (!tail.includes('Worker started')) {
    if (!running()) throw new Error('the worker exited at start');
    if (Date.now() > deadline) throw new Error(`the worker did not start within 90 s:\n${tail}`);
    await sleep(100);
  }
  const pid = child.pid as number;
  return {
    pid,
    entry: built ?? 'apps/worker/src/main.ts via ts-node',
    cpuSeconds: () => cpuSecondsOf(pid),
    running,
    stop,
  };
}
