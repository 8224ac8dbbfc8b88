// What every bench shares: its own database and queue prefix on the local Postgres and Redis, the
// API booted in this process, workers in their own processes, and cleanup. Import this module
// first: it sets the environment the apps read when they boot.
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';

export const run = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
export const adminDatabaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const queuePrefix = `conduit-bench-${run}`;
const databaseName = `conduit_bench_${run}`;
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
});

export interface BenchApi {
  app: INestApplication;
  base: string;
  adminToken: string;
  /** Creates a tenant and returns its owner key. */
  tenant(name: string, plan?: string): Promise<string>;
  call<T = Record<string, unknown>>(method: string, path: string, token: string, body?: unknown): Promise<T>;
}

/** The real API in this process, listening on a free loopback port; migrates the bench database. */
export async function startApi(): Promise<BenchApi> {
  // Imported here, after the environment above is set.
  const { createApiApp } = await import('../../apps/api/src/main');
  const { AppConfig } = await import('@conduit/config');
  const app = await createApiApp();
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  const call = async <T>(method: string, path: string, token: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as T;
  };
  const adminToken = app.get(AppConfig).auth.platformAdminToken;
  return {
    app,
    base,
    adminToken,
    call,
    tenant: async (name, plan = 'pro') =>
      (await call<{ owner_api_key: string }>('POST', '/v1/admin/tenants', adminToken, { name, plan })).owner_api_key,
  };
}

/** Uploads items as one JSON Lines batch; returns the batch id. */
export async function submitJsonLines(api: BenchApi, key: string, lines: string): Promise<string> {
  const response = await fetch(`${api.base}/v1/batches`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
    body: lines,
  });
  if (response.status !== 202) throw new Error(`upload answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

export interface WorkerProcess {
  child: ChildProcess;
  /** CPU time the process has used so far (user + system), from /proc. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** A real worker process on the bench's database and prefix (ts-node, as `npm run start:worker`). */
export async function startWorker(env: Record<string, string> = {}): Promise<WorkerProcess> {
  const child = spawn(
    process.execPath,
    [
      // e.g. BENCH_WORKER_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the worker
      ...(process.env.BENCH_WORKER_ARGS?.split(' ').filter(Boolean) ?? []),
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      'apps/worker/src/main.ts',
    ],
    {
      cwd: join(__dirname, '..', '..'),
      env: { ...process.env, LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen = (seen + chunk.toString()).slice(-4_096);
      if (seen.includes('Worker started')) {
        child.stdout?.off('data', onData);
        child.stdout?.resume(); // keep draining, unread
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the worker exited at start (${code})`)));
  });
  return {
    child,
    cpuSeconds: () => cpuSecondsOf(child.pid as number),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** utime + stime of a process, in seconds (Linux clock ticks are 1/100 s). */
export function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  if (process.env.BENCH_DEBUG) console.log(`utime ${fields[11]} stime ${fields[12]}`);
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Drops the bench database (and with it everything the run stored). */
export async function dropBenchDatabase(): Promise<void> {
  const client = new Client({ connectionString: adminDatabaseUrl });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
  await client.end();
}

/** Connects to the bench database directly, for checks and baselines. */
export async function benchDatabase(): Promise<Client> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  return client;
}

export function rate(count: number, seconds: number): string {
  return `${seconds.toFixed(2)} s, ${Math.round(count / seconds).toLocaleString('en-US')} items/s`;
}
