import { DataSource } from 'typeorm';
import { createWorkerApp } from '../apps/worker/src/main';
import { overrideEnv } from './support/env';
import { ApiClient } from './support/api-client';
import { mappedRoutes, openApiPath } from './support/mapped-routes';
import { freePort } from './support/redis-server';
import { TcpProxy } from './support/tcp-proxy';
import { startSystem, type TestSystem } from './support/test-system';

type Operation = Record<string, any>;

/** Every operation of the document, as `METHOD /path`. */
function operations(document: { paths: Record<string, Record<string, Operation>> }) {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, path, op })),
  );
}

/** A schema, or the one it refers to. */
function resolve(document: { components: { schemas: Record<string, any> } }, schema: { $ref?: string }) {
  return schema.$ref ? document.components.schemas[schema.$ref.split('/').pop() as string] : schema;
}

/**
 * The refusals each route can answer: an auth failure where it needs credentials; 403 and 429 on
 * tenant routes; 400 wherever it takes input (the input rule covers path and query parameters
 * too); 404 for an id; and these, decided by what the route does.
 */
const ROUTE_ERRORS: Record<string, number[]> = {
  'POST /v1/batches': [409, 413],
  'POST /v1/connections': [409, 422],
  'PATCH /v1/connections/{id}': [409, 422],
  'POST /v1/connections/{id}/test': [422],
  'POST /v1/admin/connections': [409, 422],
  'PATCH /v1/admin/connections/{id}': [409, 422],
  'POST /v1/admin/connections/{id}/test': [422],
};

function expectedErrors(route: string, path: string, op: Operation): number[] {
  const schemes = (op.security ?? []).flatMap((requirement: object) => Object.keys(requirement));
  const statuses = new Set(ROUTE_ERRORS[route] ?? []);
  if (schemes.length > 0) statuses.add(401);
  if (schemes.includes('apiKey')) [403, 429].forEach((status) => statuses.add(status));
  if (op.requestBody || op.parameters?.length) statuses.add(400);
  if (path.includes('{id}')) statuses.add(404);
  return [...statuses].sort();
}

/** `name{a="x",b="y"} 3` lines → value by label string, for one metric name. */
function samples(text: string, name: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`).exec(line);
    if (match) found.set(match[1] ?? '', Number(match[2]));
  }
  return found;
}

const operator = () =>
  `Basic ${Buffer.from(`${process.env.OPERATOR_USER}:${process.env.OPERATOR_PASSWORD}`).toString('base64')}`;

describe('operations: docs and metrics', () => {
  let system: TestSystem;
  let workerMetrics: string;
  let restoreEnv: () => void;

  beforeAll(async () => {
    const port = await freePort();
    workerMetrics = `http://127.0.0.1:${port}/metrics`;
    restoreEnv = overrideEnv({ METRICS_PORT: String(port) });
    system = await startSystem();
  });

  afterAll(async () => {
    await system.close();
    restoreEnv();
  });

  it('documents every mapped route, and only those, as an OpenAPI 3.1 document', async () => {
    const { body: document } = await system.http().get('/docs-json').expect(200);
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.title).toBe('Conduit API');
    expect(document.components.schemas.ErrorResponse).toBeDefined();

    const mapped = mappedRoutes(system.api).map(({ method, path }) => `${method.toUpperCase()} ${openApiPath(path)}`);
    expect(mapped.length).toBeGreaterThan(20);
    const documented = operations(document).map(({ route }) => route);
    // A route mounted outside Nest's controllers (or a controller left out of the document) fails here.
    expect(mapped.filter((route) => !documented.includes(route))).toEqual([]);
    expect(documented.filter((route) => !mapped.includes(route))).toEqual([]);

    const refs = JSON.stringify(document).match(/"\$ref":"#\/components\/[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const path = ref.slice('"$ref":"#/'.length, -1).split('/');
      expect({ ref, target: path.reduce((node: any, key) => node?.[key], document) }).toEqual({
        ref,
        target: expect.any(Object),
      });
    }
  });

  it('gives every operation a plain-text summary, a tag, its auth and the refusals it can answer', async () => {
    const { body: document } = await system.http().get('/docs-json').expect(200);
    const tags = document.tags.map((tag: { name: string }) => tag.name);
    for (const { route, path, op } of operations(document)) {
      // A route without @ApiOperation has no summary. Swagger UI shows a summary as it is: markdown goes in the description.
      expect({ route, summary: op.summary }).toEqual({ route, summary: expect.stringMatching(/^[^`*_]+$/) });
      expect({ route, oneKnownTag: op.tags.length === 1 && tags.includes(op.tags[0]) }).toEqual({
        route,
        oneKnownTag: true,
      });
      const scheme = path.startsWith('/v1/admin/')
        ? 'platformAdmin'
        : path.startsWith('/v1/')
          ? 'apiKey'
          : path === '/metrics'
            ? 'operator'
            : undefined;
      expect({ route, security: op.security ?? [] }).toEqual({ route, security: scheme ? [{ [scheme]: [] }] : [] });

      // Readiness answers 503 while Postgres or Redis is down: the same shape as its 200, not a refusal.
      const errors = Object.keys(op.responses)
        .map(Number)
        .filter((status) => status >= 400 && !(route === 'GET /health/ready' && status === 503));
      expect({ route, errors }).toEqual({ route, errors: expectedErrors(route, path, op) });
      for (const status of errors) {
        const content = op.responses[status].content['application/json'];
        expect({ route, status, schema: content.schema, code: typeof content.example.error.code }).toEqual({
          route,
          status,
          schema: { $ref: '#/components/schemas/ErrorResponse' },
          code: 'string',
        });
      }
      for (const [type, body] of Object.entries<Operation>(op.requestBody?.content ?? {})) {
        expect({ route, type, example: body.example ?? resolve(document, body.schema).examples?.[0] }).toEqual({
          route,
          type,
          example: expect.anything(),
        });
      }
    }
    const tenantRole = (route: string) => document.paths[route].get.responses['403'].description;
    expect(tenantRole('/v1/batches')).toMatch(/`member`/);
    expect(tenantRole('/v1/connections')).toMatch(/`admin`/);
    const limited = document.paths['/v1/batches'].post.responses['429'];
    expect(limited.content['application/json'].example.error.code).toBe('rate_limited');
    expect(limited.headers['Retry-After']).toBeDefined();
  });

  it('documents a batch as JSON or JSON Lines, results as JSON Lines and usage as JSON or CSV', async () => {
    const { body: document } = await system.http().get('/docs-json').expect(200);
    const submit = document.paths['/v1/batches'].post;
    expect(resolve(document, submit.requestBody.content['application/json'].schema).properties.items).toBeDefined();
    const lines = submit.requestBody.content['application/x-ndjson'];
    for (const line of (lines.example as string).trim().split('\n')) {
      expect(Object.keys(JSON.parse(line))).toEqual(['custom_id', 'task', 'input']);
    }
    const query = submit.parameters
      .filter((p: { in: string }) => p.in === 'query')
      .map((p: { name: string }) => p.name);
    expect(query.sort()).toEqual(['metadata', 'user', 'webhook_url']);
    expect(submit.parameters.find((p: { name: string }) => p.name === 'Idempotency-Key').in).toBe('header');

    const results = document.paths['/v1/batches/{id}/results'].get.responses['200'].content;
    expect(Object.keys(results)).toEqual(['application/x-ndjson']);
    const usage = document.paths['/v1/usage'].get;
    expect(Object.keys(usage.responses['200'].content).sort()).toEqual(['application/json', 'text/csv']);
    expect(usage.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['format', 'from', 'group_by', 'to']);
  });

  it('serves the explorer at /docs from its own files', async () => {
    const page = await system.http().get('/docs').expect(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const assets = [...page.text.matchAll(/(?:src|href)=["']([^"']+)["']/g)].map(([, url]) => url);
    expect(assets.length).toBeGreaterThan(2);
    for (const asset of assets) {
      expect(asset).not.toMatch(/^(https?:)?\/\//);
      await system.http().get(new URL(asset, 'http://localhost/docs').pathname).expect(200);
    }
  });

  it('needs operator credentials for /metrics', async () => {
    const response = await system.http().get('/metrics').expect(401);
    expect(response.body.error.code).toBe('unauthenticated');
    expect(response.headers['www-authenticate']).toMatch(/^Basic/);
  });

  it('exposes queue and item metrics that match the database on the API, call metrics on the worker', async () => {
    const owner = await ApiClient.newTenant(system.http);
    await owner.routeAll(await owner.mockConnection());
    const items = ['a', 'b', 'c'].map((id) => ({
      custom_id: id,
      task: 'summarization',
      input: { text: 'Metrics. Now.' },
    }));
    await owner.waitForBatch((await owner.submit(items)).id);

    const dataSource = system.api.get(DataSource);
    let text = '';
    let inDb = new Map<string, number>();
    let scraped = new Map<string, number>();
    // Leftover items of earlier test files may still move; compare until one scrape matches.
    for (let i = 0; i < 20; i++) {
      const response = await system.http().get('/metrics').set('Authorization', operator()).expect(200);
      expect(response.headers['content-type']).toMatch(/text\/plain/);
      text = response.text;
      const rows: { status: string; n: number }[] = await dataSource.query(
        'SELECT status, count(*)::int AS n FROM items GROUP BY status',
      );
      inDb = new Map(rows.map((row) => [`{status="${row.status}"}`, Number(row.n)]));
      scraped = new Map([...samples(text, 'conduit_items')].filter(([, n]) => n > 0));
      if ([...inDb].every(([labels, n]) => scraped.get(labels) === n) && scraped.size === inDb.size) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(scraped).toEqual(inDb);
    expect(samples(text, 'conduit_items').get('{status="queued"}')).toBeDefined(); // zero-filled

    expect(samples(text, 'conduit_queue_jobs').get('{queue="items",state="waiting"}')).toBeGreaterThanOrEqual(0);
    // Calls are measured where they are made: each app has its own registry, the worker serves its own.
    expect(samples(text, 'conduit_attempts_total').size).toBe(0);

    const calls = await (await fetch(workerMetrics, { headers: { Authorization: operator() } })).text();
    expect(samples(calls, 'conduit_attempts_total').get('{kind="mock",outcome="success"}')).toBeGreaterThanOrEqual(3);
    expect(
      samples(calls, 'conduit_provider_call_seconds_count').get('{kind="mock",outcome="success"}'),
    ).toBeGreaterThanOrEqual(3);
    expect(samples(calls, 'conduit_provider_call_seconds_bucket').size).toBeGreaterThan(0);
    const tokens = samples(calls, 'conduit_tokens_total');
    expect(tokens.get(`{tenant="${owner.tenantId}",direction="input"}`)).toBeGreaterThan(0);
  });
});

describe('operations: per-API-key rate limit', () => {
  const LIMIT = 5;
  let system: TestSystem;
  let restoreEnv: () => void;

  beforeAll(async () => {
    restoreEnv = overrideEnv({ API_RATE_LIMIT_PER_MINUTE: String(LIMIT) });
    system = await startSystem({ worker: false });
  });

  afterAll(async () => {
    await system.close();
    restoreEnv();
  });

  it('answers 429 rate_limited with Retry-After past the limit, per key', async () => {
    const owner = await ApiClient.newTenant(system.http);
    const member = await owner.keyWithRole('member'); // the owner's first request of the minute

    for (let i = 1; i <= LIMIT; i++) {
      const ok = await member.get('/v1/me').expect(200);
      expect(ok.headers['x-ratelimit-remaining']).toBe(String(LIMIT - i));
    }
    const limited = await member.get('/v1/me').expect(429);
    expect(limited.body.error.code).toBe('rate_limited');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);

    // Another key (same tenant) has its own budget; unauthenticated requests are not counted.
    await owner.get('/v1/me').expect(200);
    await system.http().get('/v1/me').set('Authorization', 'Bearer cdt_nope').expect(401);
    // Platform and operations routes are not under the tenant limit.
    for (let i = 0; i <= LIMIT; i++) await system.http().get('/health/live').expect(200);
  });

  it.each(['cut off', 'stalled'] as const)('lets requests through at once while Redis is %s', async (outage) => {
    const owner = await ApiClient.newTenant(system.http);
    const redisProxy = new TcpProxy({ host: '127.0.0.1', port: 6379 });
    const redis = new URL(process.env.REDIS_URL as string);
    redis.port = String(await redisProxy.start());
    const restoreRedis = overrideEnv({ REDIS_URL: redis.toString() });
    const cutOff = await startSystem({ worker: false });
    try {
      if (outage === 'cut off') redisProxy.cutOff();
      else redisProxy.stall();
      for (let i = 0; i <= LIMIT; i++) {
        const started = Date.now();
        const response = await cutOff.http().get('/v1/me').set('Authorization', `Bearer ${owner.key}`).timeout(5_000);
        expect(response.status).toBe(200);
        expect(Date.now() - started).toBeLessThan(1_000);
      }
    } finally {
      redisProxy.restore();
      await cutOff.close();
      await redisProxy.close();
      restoreRedis();
    }
  });
});

describe('operations: worker metrics port', () => {
  it('serves the worker registry on METRICS_PORT behind operator basic auth', async () => {
    const port = await freePort();
    const restoreEnv = overrideEnv({ METRICS_PORT: String(port) });
    const worker = await createWorkerApp();
    try {
      await worker.init();
      const url = `http://127.0.0.1:${port}/metrics`;
      const refused = await fetch(url);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/^Basic/);
      expect(await refused.json()).toEqual({ error: { code: 'unauthenticated', message: expect.any(String) } });
      const elsewhere = await fetch(`http://127.0.0.1:${port}/other`, { headers: { Authorization: operator() } });
      expect(elsewhere.status).toBe(404);
      expect(await elsewhere.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
      const response = await fetch(url, { headers: { Authorization: operator() } });
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('# TYPE conduit_attempts_total counter');
    } finally {
      restoreEnv();
      await worker.close();
    }
  });
});
