// `npm run bench:ingest`: a 100,000-item JSON Lines batch accepted by the API (validated, stored in
// Postgres, first items queued), against BullMQ `addBulk` of the same number of jobs on the same
// Redis, in the same run. Prints items/s for both and the ratio. Uses its own database and prefix.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { Client } from 'pg';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 100_000);
const run = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const databaseUrl = new URL(adminUrl);
databaseUrl.pathname = `/conduit_bench_${run}`;
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

Object.assign(process.env, {
  NODE_ENV: 'development',
  DATABASE_URL: databaseUrl.toString(),
  REDIS_URL: redisUrl,
  QUEUE_PREFIX: `conduit-bench-${run}`,
  DB_MIGRATE: 'true',
  DEMO_SEED: 'false',
  LOG_LEVEL: 'warn',
  API_RATE_LIMIT_PER_MINUTE: '0',
});

async function main(): Promise<void> {
  // Imported after the environment is set: the apps read it when they boot.
  const { createApiApp } = await import('../apps/api/src/main');
  const { AppConfig } = await import('@conduit/config');
  const app = await createApiApp();
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  const admin = app.get(AppConfig).auth.platformAdminToken;

  try {
    const tenant = await post(`${base}/v1/admin/tenants`, admin, { name: 'bench', plan: 'pro' });
    const key = tenant.owner_api_key as string;
    const lines = Array.from({ length: ITEMS }, (_, i) =>
      JSON.stringify({
        custom_id: `doc-${i}`,
        task: 'summarization',
        input: { text: `Document ${i}. It says a few things.` },
      }),
    ).join('\n');
    console.log(`JSON Lines body: ${ITEMS} items, ${(lines.length / 1e6).toFixed(1)} MB`);

    const started = performance.now();
    const response = await fetch(`${base}/v1/batches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
      body: lines,
    });
    const conduitSeconds = (performance.now() - started) / 1000;
    if (response.status !== 202) throw new Error(`upload answered ${response.status}: ${await response.text()}`);

    const queue = new Queue('bench-baseline', { connection: { url: redisUrl }, prefix: `conduit-bench-${run}` });
    const jobs = Array.from({ length: ITEMS }, () => ({
      name: 'item.run',
      data: { tenantId: run, itemId: randomBytes(16).toString('hex') },
    }));
    const baselineStarted = performance.now();
    for (let i = 0; i < jobs.length; i += 1_000) await queue.addBulk(jobs.slice(i, i + 1_000));
    const baselineSeconds = (performance.now() - baselineStarted) / 1000;
    await queue.obliterate({ force: true });
    await queue.close();

    const conduitRate = ITEMS / conduitSeconds;
    const baselineRate = ITEMS / baselineSeconds;
    console.log(
      `Conduit JSON Lines ingest: ${conduitSeconds.toFixed(2)} s, ${Math.round(conduitRate)} items/s (validated, stored)`,
    );
    console.log(`BullMQ addBulk baseline:   ${baselineSeconds.toFixed(2)} s, ${Math.round(baselineRate)} items/s`);
    console.log(`ratio: ${(conduitRate / baselineRate).toFixed(2)}x (target >= 0.7x)`);
  } finally {
    await app.close();
    const client = new Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "conduit_bench_${run}" WITH (FORCE)`);
    await client.end();
  }
}

async function post(url: string, token: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
