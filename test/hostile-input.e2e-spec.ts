import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ApiClient } from './support/api-client';
import { mappedRoutes } from './support/mapped-routes';
import { startSystem, type TestSystem } from './support/test-system';

const item = (input: object, extra: object = {}) => ({ custom_id: 'x', task: 'summarization', input, ...extra });

/** `depth` objects nested in one another, innermost `{}`: as a string, since JSON.stringify would overflow. */
const nestedJson = (depth: number) => `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;

describe('hostile input: every refusal is a 4xx with a code, and nothing is stored', () => {
  let system: TestSystem;
  let tenant: ApiClient;
  let db: DataSource;

  const countRows = async (table: string) => (await db.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n;

  beforeAll(async () => {
    system = await startSystem({ worker: false });
    tenant = await ApiClient.newTenant(system.http);
    db = system.api.get(DataSource);
  });

  afterAll(() => system.close());

  describe('a body the JSON parser cannot read', () => {
    const routes = () => [
      ...mappedRoutes(system.api).map((route) => ({
        method: route.method,
        path: route.path.replace(':id', randomUUID()).replace(':task', 'summarization').replace(':model', 'm-1'),
      })),
      { method: 'post' as const, path: '/admin/queues/api/queues/items/clean/completed' },
      { method: 'post' as const, path: '/v1/nowhere' },
    ];

    it.each([
      ['gzip', 'this is not gzip'],
      ['deflate', 'nor deflate'],
      ['br', 'nor brotli'],
    ])('is 400 invalid_json on every route when Content-Encoding: %s is not what it says', async (encoding, body) => {
      for (const { method, path } of routes()) {
        const response = await system
          .http()
          [method](path)
          .set('Content-Type', 'application/json')
          .set('Content-Encoding', encoding)
          .send(body);
        expect({ route: `${method} ${path}`, status: response.status, code: response.body.error?.code }).toEqual({
          route: `${method} ${path}`,
          status: 400,
          code: 'invalid_json',
        });
        expect(response.body.error.message).toMatch(/could not be decompressed/);
      }
    });

    it('is 400 with a code for an unknown Content-Encoding or charset', async () => {
      for (const [header, value] of [
        ['Content-Encoding', 'compress'],
        ['Content-Type', 'application/json; charset=klingon'],
      ]) {
        const response = await tenant
          .post('/v1/batches')
          .set('Content-Type', 'application/json')
          .set(header, value)
          .send('{}');
        expect(response.status).toBe(400);
        expect(response.body.error.code).toBe('validation_failed');
      }
    });
  });

  describe('text Postgres cannot store: U+0000 and unpaired surrogates', () => {
    type Call = (t: ApiClient, context: { connection: string; tenantId: string }) => ReturnType<ApiClient['post']>;
    const admin = () => ApiClient.admin(system.http);
    let connection: string;

    beforeAll(async () => {
      connection = await tenant.mockConnection();
    });

    const cases: [string, Call, string][] = [
      ['a tenant name', () => admin().post('/v1/admin/tenants', { name: 'a\u0000b', plan: 'pro' }), 'name'],
      ['a tenant plan', () => admin().post('/v1/admin/tenants', { name: 'ok', plan: 'pro\u0000' }), 'plan'],
      ['a tenant name (surrogate)', () => admin().post('/v1/admin/tenants', { name: 'a\ud800', plan: 'pro' }), 'name'],
      [
        'a changed plan',
        (_, { tenantId }) => admin().patch(`/v1/admin/tenants/${tenantId}`, { plan: 'p\u0000' }),
        'plan',
      ],
      ['a connection name', (t) => t.post('/v1/connections', { name: 'n\u0000', kind: 'mock' }), 'name'],
      [
        'a connection api_key',
        (t) => t.post('/v1/connections', { name: 'k', kind: 'openai', api_key: 'sk-abc\u0000' }),
        'api_key',
      ],
      [
        'a connection region',
        (t) => t.post('/v1/connections', { name: 'r', kind: 'mock', region: '\u0000' }),
        'region',
      ],
      [
        'a connection rename (surrogate)',
        (t, { connection: id }) => t.patch(`/v1/connections/${id}`, { name: 'x\udfff' }),
        'name',
      ],
      [
        'a platform connection name',
        () => admin().post('/v1/admin/connections', { name: 'p\u0000', kind: 'mock' }),
        'name',
      ],
      ['an API key name', (t) => t.post('/v1/api-keys', { name: 'k\u0000', role: 'member' }), 'name'],
      [
        'a routing model',
        (t, { connection: id }) =>
          t.put('/v1/routing/summarization', { targets: [{ connection_id: id, model: 'm\u0000' }] }),
        'targets[0].model',
      ],
      [
        'a routing model (surrogate)',
        (t, { connection: id }) =>
          t.put('/v1/routing/summarization', { targets: [{ connection_id: id, model: '\ud800' }] }),
        'targets[0].model',
      ],
      [
        'a routing region',
        (t, { connection: id }) =>
          t.put('/v1/routing/summarization', {
            targets: [{ connection_id: id, model: 'm' }],
            constraints: { region: 'eu\u0000' },
          }),
        'constraints.region',
      ],
      [
        'a price model in the path',
        (t, { connection: id }) =>
          t.put(`/v1/connections/${id}/prices/m%00`, { input_per_million: 1, output_per_million: 1 }),
        'model',
      ],
      [
        'an item input (surrogate)',
        (t) => t.post('/v1/batches', { items: [item({ text: 'a\ud800b' })] }),
        'items[0].input.text',
      ],
      ['an item input', (t) => t.post('/v1/batches', { items: [item({ text: 'a\u0000b' })] }), 'items[0].input.text'],
      [
        'a custom id (surrogate)',
        (t) => t.post('/v1/batches', { items: [item({ text: 'hi' }, { custom_id: '\udc00x' })] }),
        'items[0].custom_id',
      ],
      [
        'a batch user (surrogate)',
        (t) => t.post('/v1/batches', { items: [item({ text: 'hi' })], user: 'u\udfff' }),
        'user',
      ],
      [
        'batch metadata (surrogate)',
        (t) => t.post('/v1/batches', { items: [item({ text: 'hi' })], metadata: { note: '\ud83d' } }),
        'metadata.note',
      ],
      [
        'a metadata key',
        (t) => t.post('/v1/batches', { items: [item({ text: 'hi' })], metadata: { 'k\u0000': 1 } }),
        'metadata',
      ],
      ['a JSON Lines line (surrogate)', (t) => jsonLines(t, '', [item({ text: '\ud800' })]), 'line 1.input.text'],
      [
        'a JSON Lines line',
        (t) => jsonLines(t, '', [item({ text: 'hi' }), item({ text: '\u0000' })]),
        'line 2.input.text',
      ],
      ['a JSON Lines user', (t) => jsonLines(t, '?user=u%00', [item({ text: 'hi' })]), 'user'],
      [
        'JSON Lines metadata',
        (t) => jsonLines(t, `?metadata=${encodeURIComponent(JSON.stringify({ a: '\u0000' }))}`, [item({ text: 'hi' })]),
        'metadata.a',
      ],
      [
        'JSON Lines metadata (surrogate)',
        (t) => jsonLines(t, `?metadata=${encodeURIComponent('{"a": "\\udfff"}')}`, [item({ text: 'hi' })]),
        'metadata.a',
      ],
    ];

    function jsonLines(t: ApiClient, query: string, lines: object[]) {
      return t
        .post(`/v1/batches${query}`)
        .set('Content-Type', 'application/x-ndjson')
        .send(lines.map((line) => JSON.stringify(line)).join('\n'));
    }

    it.each(cases)('refuses %s with 400 validation_failed naming the field', async (_, call, path) => {
      const tables = ['tenants', 'provider_connections', 'api_keys', 'routing_policies', 'batches', 'items'];
      const before = await Promise.all(tables.map(countRows));
      const response = await call(tenant, { connection, tenantId: tenant.tenantId });
      expect({ status: response.status, code: response.body.error?.code }).toEqual({
        status: 400,
        code: 'validation_failed',
      });
      expect(response.body.error.details).toEqual([
        expect.objectContaining({ path, message: expect.stringMatching(/NUL character|unpaired surrogate/) }),
      ]);
      expect(await Promise.all(tables.map(countRows))).toEqual(before);
    });

    it('stores text with paired surrogates (emoji) and other control characters as sent', async () => {
      const name = 'Grüße 🚀 tab\there \u0001';
      const created = await ApiClient.admin(system.http).post('/v1/admin/tenants', { name, plan: 'pro' }).expect(201);
      expect(created.body.name).toBe(name);
      await tenant.post('/v1/batches', { items: [item({ text: '🚀' })], metadata: { note: '🚀' } }).expect(202);
    });
  });

  describe('JSON nested deeper than the limit', () => {
    it('refuses an item input nested 100,000 levels deep with 400, naming where', async () => {
      const before = await countRows('batches');
      const response = await tenant
        .post('/v1/batches')
        .set('Content-Type', 'application/json')
        .send(`{"items": [{"custom_id": "x", "task": "summarization", "input": ${nestedJson(100_000)}}]}`);
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('validation_failed');
      expect(response.body.error.details).toEqual([
        { path: expect.stringMatching(/^items\[0\]\.input(\.a)+$/), code: 'too_deep', message: expect.any(String) },
      ]);
      expect(response.body.error.message).toMatch(/64 levels/);
      expect(await countRows('batches')).toBe(before);
    });

    it('refuses a JSON Lines line nested too deep, naming the line', async () => {
      const response = await tenant
        .post('/v1/batches')
        .set('Content-Type', 'application/x-ndjson')
        .send(
          `${JSON.stringify(item({ text: 'fine' }, { custom_id: 'a' }))}\n{"custom_id": "b", "task": "summarization", "input": ${nestedJson(100_000)}}\n`,
        );
      expect(response.status).toBe(400);
      expect(response.body.error.details).toEqual([
        expect.objectContaining({ path: expect.stringMatching(/^line 2\.input(\.a)+$/), code: 'too_deep' }),
      ]);
    });

    it('refuses deep JSON on any route, and accepts JSON at the limit', async () => {
      const response = await tenant
        .post('/v1/connections')
        .set('Content-Type', 'application/json')
        .send(`{"name": "deep", "kind": "mock", "settings": ${nestedJson(100_000)}}`);
      expect(response.status).toBe(400);
      expect(response.body.error.details[0]).toMatchObject({ code: 'too_deep' });

      // The body is level 1, `items` 2, an item 3, its input 4: the input may hold 60 more levels.
      const withInput = (depth: number) =>
        tenant
          .post('/v1/batches')
          .set('Content-Type', 'application/json')
          .send(`{"items": [{"custom_id": "x", "task": "summarization", "input": ${nestedJson(depth)}}]}`)
          .expect(400);
      const codes = async (depth: number) =>
        (await withInput(depth)).body.error.details.map((detail: { code: string }) => detail.code);
      expect(await codes(61)).not.toContain('too_deep'); // refused by the summarization task's own check
      expect(await codes(62)).toEqual(['too_deep']);
    });
  });

  describe('connections created or renamed at the same moment with the same name', () => {
    const eightAtOnce = (send: () => ReturnType<ApiClient['post']>) =>
      Promise.all(Array.from({ length: 8 }, () => send().then((r) => r)));

    it('answers one 201 and seven 409 conflict for a tenant connection', async () => {
      const responses = await eightAtOnce(() => tenant.post('/v1/connections', { name: 'twin', kind: 'mock' }));
      expect(responses.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
      for (const refused of responses.filter((r) => r.status === 409)) {
        expect(refused.body.error).toMatchObject({ code: 'conflict', message: expect.stringContaining('"twin"') });
      }
    });

    it('answers one 201 and seven 409 conflict for a platform connection', async () => {
      const name = `platform-twin-${randomUUID()}`;
      const responses = await eightAtOnce(() =>
        ApiClient.admin(system.http).post('/v1/admin/connections', { name, kind: 'mock' }),
      );
      expect(responses.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
      expect(responses.find((r) => r.status === 409)?.body.error.message).toContain(name);
    });

    it('answers 409 conflict to renames that race to one name', async () => {
      const ids = await Promise.all(Array.from({ length: 8 }, () => tenant.mockConnection()));
      const responses = await Promise.all(ids.map((id) => tenant.patch(`/v1/connections/${id}`, { name: 'renamed' })));
      expect(responses.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
      expect(responses.find((r) => r.status === 409)?.body.error).toMatchObject({
        code: 'conflict',
        message: expect.stringContaining('"renamed"'),
      });
    });
  });
});
