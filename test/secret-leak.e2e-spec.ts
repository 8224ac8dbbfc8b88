import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { DataSource } from 'typeorm';
import { FakeOpenAIServer } from './fakes';
import { overrideEnv } from './support/env';
import { ApiClient } from './support/api-client';
import { allowLoopbackEgress } from './support/loopback-egress';
import { startSystem, type TestSystem } from './support/test-system';

/**
 * Plants recognisable provider keys and proves they appear nowhere they must not: API responses,
 * database rows, Redis keys and job payloads, API and worker logs, audit events, error messages.
 */
describe('a tenant key never leaves the vault', () => {
  const planted = `sk-PLANTED${randomBytes(12).toString('hex')}`;
  const rotated = `sk-ROTATED${randomBytes(12).toString('hex')}`;
  const logFile = join(tmpdir(), `conduit-leak-${randomBytes(4).toString('hex')}.log`);
  const responses: string[] = [];
  let restoreEnv: () => void;
  let system: TestSystem;
  let fake: FakeOpenAIServer;
  let closeFake: () => Promise<void>;

  beforeAll(async () => {
    const restoreEgress = allowLoopbackEgress();
    const restoreLogs = overrideEnv({ LOG_FILE: logFile, LOG_LEVEL: 'trace' });
    restoreEnv = () => {
      restoreLogs();
      restoreEgress();
    };
    fake = new FakeOpenAIServer({ flavour: 'openai', apiKey: planted });
    ({ close: closeFake } = await fake.start());
    system = await startSystem();
  });

  afterAll(async () => {
    await system.close();
    await closeFake();
    restoreEnv();
    rmSync(logFile, { force: true });
  });

  /** Every response body the test sees is kept, to be searched at the end. */
  const keep = <T extends { text: string }>(response: T): T => {
    responses.push(response.text);
    return response;
  };

  it('is used on the wire, yet found in no response, row, Redis value, log line, audit event or error', async () => {
    const tenant = await ApiClient.newTenant(system.http);
    const created = keep(
      await tenant
        .post('/v1/connections', { name: 'openai', kind: 'openai', base_url: `${fake.url}/v1`, api_key: planted })
        .expect(201),
    ).body;
    keep(await tenant.post(`/v1/connections/${created.id}/test`).expect(200));
    keep(
      await tenant
        .put('/v1/routing/summarization', { targets: [{ connection_id: created.id, model: 'gpt-4o-mini' }] })
        .expect(200),
    );

    const ok = keep(
      await tenant
        .post('/v1/batches', { items: [{ custom_id: 'ok', task: 'summarization', input: { text: 'Fine.' } }] })
        .expect(202),
    ).body;
    await tenant.waitForBatch(ok.id);

    // The provider now refuses the key and echoes it back in its error, as some providers do.
    const echo = {
      error: {
        message: `Incorrect API key provided: ${planted}`,
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      },
    };
    fake.nextError(401, echo).nextError(401, echo);
    const refused = keep(
      await tenant
        .post('/v1/batches', { items: [{ custom_id: 'no', task: 'summarization', input: { text: 'No.' } }] })
        .expect(202),
    ).body;
    await tenant.waitForBatch(refused.id);
    keep(await tenant.post(`/v1/connections/${created.id}/test`).expect(422));

    keep(await tenant.patch(`/v1/connections/${created.id}`, { api_key: rotated }).expect(200));
    for (const path of [
      `/v1/batches/${ok.id}`,
      `/v1/batches/${ok.id}/items`,
      `/v1/batches/${ok.id}/results`,
      `/v1/batches/${refused.id}/items`,
      `/v1/batches/${refused.id}/results`,
      '/v1/connections',
      `/v1/connections/${created.id}`,
      '/v1/routing',
      '/v1/audit-events',
      '/v1/api-keys',
    ]) {
      keep(await tenant.get(path).expect(200));
    }

    // Positive control: the key really went to the provider, so the searches below mean something.
    expect(fake.requests.some((r) => r.headers.authorization === `Bearer ${planted}`)).toBe(true);
    const [failed] = (await tenant.get(`/v1/batches/${refused.id}/items`).expect(200)).body.data;
    expect(failed.error.code).toBe('auth_failed');

    const haystacks: Record<string, string> = {
      'API responses': responses.join('\n'),
      'database rows': await dumpDatabase(system.api.get(DataSource)),
      'Redis keys and job payloads': await dumpRedis(),
      'API and worker logs': readFileSync(logFile, 'utf8'),
    };
    expect(haystacks['API and worker logs'].length).toBeGreaterThan(1_000);
    expect(haystacks['Redis keys and job payloads']).toContain(failed.id);
    for (const [where, text] of Object.entries(haystacks)) {
      for (const secret of [planted, rotated]) {
        if (text.includes(secret)) throw new Error(`the key was found in ${where}`);
        // Not even a long fragment of it.
        if (text.includes(secret.slice(4, 24))) throw new Error(`part of the key was found in ${where}`);
      }
    }
  });
});

async function dumpDatabase(db: DataSource): Promise<string> {
  const tables = await db.query<{ tablename: string }[]>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`);
  const dumps = await Promise.all(
    tables.map(async ({ tablename }) => JSON.stringify(await db.query(`SELECT * FROM "${tablename}"`))),
  );
  return dumps.join('\n');
}

/** Every key of this run's queue prefix, with its value, whatever its type. */
async function dumpRedis(): Promise<string> {
  const redis = new IORedis(process.env.REDIS_URL as string);
  try {
    return await dumpKeys(redis, await redis.keys(`${process.env.QUEUE_PREFIX}:*`));
  } finally {
    redis.disconnect();
  }
}

async function dumpKeys(redis: IORedis, keys: string[]): Promise<string> {
  const values = await Promise.all(
    keys.map(async (key) => {
      const type = await redis.type(key);
      if (type === 'string') return redis.get(key);
      if (type === 'hash') return JSON.stringify(await redis.hgetall(key));
      if (type === 'list') return JSON.stringify(await redis.lrange(key, 0, -1));
      if (type === 'set') return JSON.stringify(await redis.smembers(key));
      if (type === 'zset') return JSON.stringify(await redis.zrange(key, 0, -1));
      if (type === 'stream') return JSON.stringify(await redis.xrange(key, '-', '+'));
      return '';
    }),
  );
  return [...keys, ...values].join('\n');
}
