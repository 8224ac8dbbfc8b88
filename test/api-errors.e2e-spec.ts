import { DataSource } from 'typeorm';
import { ApiClient } from './support/api-client';
import { startSystem, type TestSystem } from './support/test-system';

const good = (id: string) => ({ custom_id: id, task: 'summarization', input: { text: 'Hello world.' } });

describe('bad input gets a clear 4xx with a stable code, and nothing is stored', () => {
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

  it('rejects a whole batch with one invalid item, naming it, and stores nothing', async () => {
    const [batchesBefore, itemsBefore] = [await countRows('batches'), await countRows('items')];
    const response = await tenant
      .post('/v1/batches', { items: [good('a'), { custom_id: 'b', task: 'summarization', input: {} }, good('c')] })
      .expect(400);

    expect(response.body.error.code).toBe('validation_failed');
    expect(response.body.error.message).toMatch(/items\[1\]\.input\.text/);
    expect(response.body.error.details).toEqual([
      expect.objectContaining({ path: 'items[1].input.text', message: expect.any(String) }),
    ]);
    expect(await countRows('batches')).toBe(batchesBefore);
    expect(await countRows('items')).toBe(itemsBefore);
  });

  it.each([
    ['an unknown task', { items: [{ custom_id: 'x', task: 'translation', input: { text: 'hi' } }] }, 'items[0].task'],
    [
      'a wrong type',
      { items: [{ custom_id: 42, task: 'summarization', input: { text: 'hi' } }] },
      'items[0].custom_id',
    ],
    ['items that are not a list', { items: 'all of them' }, 'items'],
    ['no items at all', {}, 'items'],
    ['an unknown field', { items: [good('a')], priority: 'high' }, ''],
    [
      'an extraction schema that is not a JSON Schema',
      { items: [{ custom_id: 'x', task: 'extraction', input: { text: 'hi', schema: { type: 'nonsense' } } }] },
      'items[0].input.schema',
    ],
    [
      'a NUL character in the input (Postgres cannot store it)',
      { items: [{ custom_id: 'x', task: 'summarization', input: { text: 'a\u0000b' } }] },
      'items[0].input',
    ],
    ['a NUL character in a custom id', { items: [{ ...good('x'), custom_id: 'x\u0000' }] }, 'items[0].custom_id'],
    ['a NUL character in the metadata', { items: [good('x')], metadata: { note: '\u0000' } }, 'metadata'],
    [
      'labels that are not strings',
      { items: [{ custom_id: 'x', task: 'classification', input: { text: 'hi', labels: [1] } }] },
      'items[0].input.labels',
    ],
  ])('answers 400 validation_failed for %s', async (_, body, path) => {
    const response = await tenant.post('/v1/batches', body).expect(400);
    expect(response.body.error.code).toBe('validation_failed');
    expect(response.body.error.details.map((d: { path: string }) => d.path)).toEqual(
      expect.arrayContaining([expect.stringContaining(path)]),
    );
  });

  it('answers 400 invalid_json for a body that is not JSON', async () => {
    const response = await tenant
      .post('/v1/batches')
      .set('Content-Type', 'application/json')
      .send('{"items": [')
      .expect(400);
    expect(response.body).toEqual({ error: { code: 'invalid_json', message: expect.any(String) } });
  });

  it('answers 413 payload_too_large for an oversized body', async () => {
    const huge = { items: [{ custom_id: 'x', task: 'summarization', input: { text: 'a'.repeat(11 * 1024 * 1024) } }] };
    const response = await tenant.post('/v1/batches', huge).expect(413);
    expect(response.body.error.code).toBe('payload_too_large');
  });

  it('answers 400 unsupported_task for routing an unknown task', async () => {
    const connection = await tenant.mockConnection();
    const response = await tenant
      .put('/v1/routing/translation', { targets: [{ connection_id: connection, model: 'm' }] })
      .expect(400);
    expect(response.body.error.code).toBe('unsupported_task');
  });

  it('refuses mock settings out of range, naming the setting', async () => {
    const response = await tenant
      .post('/v1/connections', { name: 'bad', kind: 'mock', settings: { fail_rate: 2 } })
      .expect(400);
    expect(response.body.error.details[0].path).toBe('settings.fail_rate');
  });

  it('answers 404 not_found for unknown routes, unknown ids and malformed ids', async () => {
    for (const path of [
      '/v1/nowhere',
      '/v1/batches/00000000-0000-4000-8000-000000000000',
      '/v1/batches/not-a-uuid',
      '/v1/items/123',
    ]) {
      const response = await tenant.get(path).expect(404);
      expect(response.body.error.code).toBe('not_found');
    }
  });

  it('answers 401 unauthenticated without a key, with an unknown key, and for a tenant key on platform routes', async () => {
    await system.http().get('/v1/me').expect(401);
    const unknown = await system
      .http()
      .get('/v1/me')
      .set('Authorization', 'Bearer cdt_not-a-real-key-at-all')
      .expect(401);
    expect(unknown.body.error.code).toBe('unauthenticated');
    const platform = await tenant.post('/v1/admin/tenants', { name: 'x', plan: 'pro' }).expect(401);
    expect(platform.body.error.code).toBe('unauthenticated');
  });
});

describe('Bull Board', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startSystem({ worker: false });
  });

  afterAll(() => system.close());

  it('answers 401 unauthenticated without operator credentials, with wrong ones, and with a tenant key', async () => {
    const tenant = await ApiClient.newTenant(system.http);
    for (const refused of [
      system.http().get('/admin/queues'),
      system.http().get('/admin/queues').auth('operator', 'wrong-password'),
      system.http().get('/admin/queues').set('Authorization', `Bearer ${tenant.key}`),
      system.http().get('/admin/queues/api/queues'),
      system.http().put('/admin/queues/api/queues/items/pause'),
    ]) {
      const response = await refused.expect(401);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.body).toEqual({ error: { code: 'unauthenticated', message: expect.any(String) } });
      expect(response.headers['www-authenticate']).toBe('Basic realm="Conduit operators"');
    }
  });

  it('answers 200 with operator credentials and lists the items queue', async () => {
    const operator = [process.env.OPERATOR_USER as string, process.env.OPERATOR_PASSWORD as string] as const;
    await system
      .http()
      .get('/admin/queues')
      .auth(...operator)
      .expect(200);
    const queues = await system
      .http()
      .get('/admin/queues/api/queues')
      .auth(...operator)
      .expect(200);
    expect(queues.body.queues.map((q: { name: string }) => q.name)).toContain('items');
  });
});
