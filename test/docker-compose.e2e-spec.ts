import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  buildImageFiles,
  composeServices,
  runService,
  type ComposeService,
  type ServiceProcess,
} from './support/docker-image';
import { freePort } from './support/redis-server';

const SECRETS_FILE = '/var/lib/conduit/secrets.env';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, app: ServiceProcess, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (app.child.exitCode !== null) throw new Error(`exited before ${what}:\n${app.output()}`);
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms:\n${app.output()}`);
    await sleep(250);
  }
}

const jsonLines = (output: string) =>
  output
    .split('\n')
    .filter(Boolean)
    .every((line) => line.startsWith('{'));

/** `KEY=value` lines. */
function envFile(path: string): Record<string, string> {
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => /^\w+=/.test(line));
  return Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

/**
 * `docker compose up`, without Docker: the image's files built as the Dockerfile builds them (so
 * only production dependencies), and compose's services started with their own commands and
 * environment against this run's Redis and a new database. Only the addresses of Postgres and
 * Redis, the queue prefix and the API port are this test's.
 */
describe('the production image, as docker compose runs it', () => {
  const work = mkdtempSync(join(tmpdir(), 'conduit-image-'));
  const volumes = join(work, 'volumes');
  const database = new URL(process.env.DATABASE_URL as string);
  database.pathname = `${database.pathname}_image`;
  const services = composeServices();
  let image: string;
  let local: Record<string, string>;
  const apps: ServiceProcess[] = [];
  const start = (service: ComposeService, overrides: Record<string, string> = {}) =>
    runService(service, image, volumes, { ...local, ...overrides });
  /** Runs a one-off command to its end, as `docker compose run --rm` does. */
  const runToEnd = async (service: ComposeService, overrides: Record<string, string> = {}) => {
    const run = start(service, overrides);
    const { code } = await run.exited;
    return { code, output: run.output() };
  };
  /** The api service running one of the built operator commands, with the stack's secrets. */
  const cli = (command: string): ComposeService => ({
    ...services.api,
    command: ['node', `--env-file=${SECRETS_FILE}`, 'dist/apps/cli/main.js', command],
  });

  beforeAll(async () => {
    const admin = new Client({ connectionString: new URL('/postgres', database).toString() });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${database.pathname.slice(1)}"`);
    await admin.end();
    local = {
      DATABASE_URL: database.toString(),
      REDIS_URL: process.env.REDIS_URL as string,
      QUEUE_PREFIX: process.env.QUEUE_PREFIX as string,
      PORT: String(await freePort()),
    };
    image = await buildImageFiles(work);
  }, 600_000);

  afterAll(async () => {
    for (const app of apps) if (app.child.exitCode === null) app.child.kill('SIGKILL');
    const admin = new Client({ connectionString: new URL('/postgres', database).toString() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${database.pathname.slice(1)}" WITH (FORCE)`);
    await admin.end();
    rmSync(work, { recursive: true, force: true });
  });

  it('has only production dependencies, and publishes no port a local Postgres or Redis uses', () => {
    // (ts-node and typescript are there: optional peers of typeorm, which npm installs with it.)
    for (const devOnly of ['pino-pretty', 'tsconfig-paths', '@nestjs/cli', 'jest']) {
      expect({ devOnly, installed: existsSync(join(image, 'node_modules', devOnly)) }).toEqual({
        devOnly,
        installed: false,
      });
    }
    expect(services.postgres.ports).toBeUndefined();
    expect(services.redis.ports).toBeUndefined();
    for (const name of ['api', 'worker']) {
      expect(new URL(services[name].environment?.DATABASE_URL ?? '').hostname).toBe('postgres');
      expect(new URL(services[name].environment?.REDIS_URL ?? '').hostname).toBe('redis');
    }
  });

  it('starts with one command: secrets, migrations, API and worker; the demo batch completes', async () => {
    // The api and worker start once the one-off services they depend on have finished.
    const setups = new Set(
      ['api', 'worker'].flatMap((name) =>
        Object.entries(services[name].depends_on ?? {})
          .filter(([, { condition }]) => condition === 'service_completed_successfully')
          .map(([dependency]) => dependency),
      ),
    );
    expect([...setups]).toEqual(['secrets']);
    expect(await runToEnd(services.secrets)).toMatchObject({ code: 0 });
    const secretsPath = join(volumes, 'secrets', 'secrets.env');
    const secrets = envFile(secretsPath);
    expect(Object.keys(secrets).sort()).toEqual([
      'OPERATOR_PASSWORD',
      'OPERATOR_USER',
      'PLATFORM_ADMIN_TOKEN',
      'VAULT_KEYS',
    ]);
    expect(statSync(secretsPath).mode & 0o777).toBe(0o600);
    // A second start keeps them: the vault key seals the connections' secrets.
    await runToEnd(services.secrets);
    expect(envFile(secretsPath)).toEqual(secrets);

    // An operator migrates with the built entry point (here before anything else has).
    const migrate = cli('migrate');
    const first = await runToEnd(migrate);
    expect(first).toMatchObject({ code: 0, output: expect.stringMatching(/^Applied: InitialSchema/m) });
    expect(await runToEnd(migrate)).toMatchObject({
      code: 0,
      output: expect.stringContaining('up to date'),
    });

    const api = start(services.api);
    const worker = start(services.worker);
    apps.push(api, worker);
    const base = `http://127.0.0.1:${local.PORT}`;
    await waitFor('readiness', async () => ((await fetch(`${base}/health/ready`)).ok ? true : undefined), api);
    await waitFor('the worker', async () => (worker.output().includes('Worker started') ? true : undefined), worker);
    // Production logs are JSON lines (no pretty printer in the image).
    expect(jsonLines(worker.output())).toBe(true);

    const key = /Demo tenant API key \(shown this once\): (cdt_\S+)/.exec(api.output())?.[1];
    expect(key).toBeDefined();
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const items = [1, 2, 3].map((i) => ({ custom_id: `d-${i}`, task: 'summarization', input: { text: `Doc ${i}.` } }));
    const submitted = await fetch(`${base}/v1/batches`, { method: 'POST', headers, body: JSON.stringify({ items }) });
    expect(submitted.status).toBe(202);
    const { id } = (await submitted.json()) as { id: string };
    const batch = await waitFor(
      'a completed batch',
      async () => {
        const body = (await (await fetch(`${base}/v1/batches/${id}`, { headers })).json()) as { status: string };
        return body.status === 'completed' ? body : undefined;
      },
      api,
    );
    expect(batch).toMatchObject({ counts: { total: 3, succeeded: 3 } });

    // Key rotation with the built entry point: a new key first, the old one kept.
    const connection = await fetch(`${base}/v1/connections`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'with-a-key', kind: 'openai', api_key: `sk-${randomBytes(12).toString('hex')}` }),
    });
    expect(connection.status).toBe(201);
    const newKey = `next:${randomBytes(32).toString('base64')}`;
    const rotated = await runToEnd(cli('vault-rotate'), { VAULT_KEYS: `${newKey},${secrets.VAULT_KEYS}` });
    expect(rotated).toMatchObject({ code: 0, output: expect.stringMatching(/Re-sealed [1-9]\d* connection secrets/) });

    for (const app of [api, worker]) app.child.kill('SIGTERM');
    expect(await Promise.all([api.exited, worker.exited])).toEqual(Array(2).fill({ code: 0, signal: null }));
  }, 180_000);

  it('starts in development mode too, logging JSON (the pretty printer is a development dependency)', async () => {
    const api = start(services.api, { NODE_ENV: 'development', DEMO_SEED: 'false', PORT: String(await freePort()) });
    apps.push(api);
    await waitFor('the API', async () => (api.output().includes('API listening') ? true : undefined), api);
    expect(jsonLines(api.output())).toBe(true);
    api.child.kill('SIGTERM');
    expect(await api.exited).toEqual({ code: 0, signal: null });
  });
});
