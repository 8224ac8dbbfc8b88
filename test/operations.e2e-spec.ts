import { DataSource } from 'typeorm';
import { createWorkerApp } from '../apps/worker/src/main';
import { openApiPath } from '../apps/api/src/operations/openapi';
import { overrideEnv } from './support/env';
import { ApiClient } from './support/api-client';
import { freePort } from './support/redis-server';
import { TcpProxy } from './support/tcp-proxy';
import { startSystem, type TestSystem } from './support/test-system';

interface RouterLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** Every `METHOD /path` the express router has mapped (Nest controllers become route layers). */
function mappedRoutes(system: TestSystem): string[] {
  const express = system.api.getHttpAdapter().getInstance() as {
    router?: { stack: RouterLayer[] };
    _router?: { stack: RouterLayer[] };
  };
  const stack = (express.router ?? express._router)?.stack ?? [];
  // Wildcard routes are Nest middleware registered with all() (e.g. the request logger), not endpoints.
  return stack.flatMap((layer) =>
    layer.route && !layer.route.path.includes('{*')
      ? Object.keys(layer.route.methods)
          .filter((method) => method !== '_all')
          .map((method) => `${method.toUpperCase()} ${openApiPath(layer.route!.path)}`)
      : [],
  );
}

function documentedRoutes(document: { paths: Record<string, Record<string, unknown>> }): string[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
  );
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

  it('documents every mapped route, and only those, as an OpenAPI 3 document', async () => {
    const { body: document } = await system.http().get('/docs-json').expect(200);
    expect(document.openapi).toMatch(/^3\./);
    expect(document.info.title).toBeTruthy();
    expect(document.components.schemas.Error).toBeDefined();

    const mapped = mappedRoutes(system);
    expect(mapped.length).toBeGreaterThan(20);
    const documented = documentedRoutes(document);
    // A route without docs fails here: add it to apps/api/src/operations/openapi.ts.
    expect(mapped.filter((route) => !documented.includes(route))).toEqual([]);
    expect(documented.filter((route) => !mapped.includes(route))).toEqual([]);

    const refs = JSON.stringify(document).match(/"\$ref":"#\/components\/[^"]+"/g) ?? [];
    for (const ref of refs) {
      const path = ref.slice('"$ref":"#/'.length, -1).split('/');
      expect(path.reduce((node: any, key) => node?.[key], document)).toBeDefined();
    }
    for (const [path, methods] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(methods)) {
        expect({ route: `${method} ${path}`, summary: typeof op.summary }).toEqual({
          route: `${method} ${path}`,
          summary: 'string',
        });
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
        if (op.requestBody) expect(op.requestBody.content['application/json'].example).toBeDefined();
      }
    }
    const submit = document.paths['/v1/batches'].post;
    expect(submit.requestBody.content['application/json'].schema.properties.items).toBeDefined();
    expect(submit.responses['429'].content['application/json'].example.error.code).toBe('rate_limited');
    expect(submit.responses['429'].headers['Retry-After']).toBeDefined();
  });

  it('serves a self-contained HTML page at /docs', async () => {
    const response = await system.http().get('/docs').expect(200);
    expect(response.headers['content-type']).toMatch(/text\/html/);
    expect(response.text).toContain('/v1/batches/{id}');
    expect(response.text).not.toMatch(/<script|https?:\/\/(?!example\.com)/);
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
