import { DataSource } from 'typeorm';
import { ApiClient } from './support/api-client';
import { startSystem, type TestSystem } from './support/test-system';

const summary = (id: string) => ({
  custom_id: id,
  task: 'summarization',
  input: { text: 'Keys rotate. Work goes on.' },
});

describe('connections', () => {
  let system: TestSystem;
  let tenant: ApiClient;

  beforeAll(async () => {
    system = await startSystem();
    tenant = await ApiClient.newTenant(system.http);
  });

  afterAll(() => system.close());

  it.each([
    ['openai', { api_key: 'sk-test-0000000000000000' }],
    [
      'azure_openai',
      { base_url: 'https://acme.openai.azure.com', api_key: 'az-key-1234', settings: { api_version: '2024-10-21' } },
    ],
    ['anthropic', { api_key: 'sk-ant-1234567890' }],
    ['gemini', { api_key: 'AIza-test-1234' }],
    [
      'bedrock',
      { api_key: 'aws-secret-1234', settings: { region: 'us-east-1', access_key_id: 'AKIAIOSFODNN7EXAMPLE' } },
    ],
    ['bedrock', { api_key: 'bedrock-api-key-1234', settings: { region: 'eu-west-1', auth: 'api_key' } }],
    ['ollama', { base_url: 'https://ollama.example.com' }],
    ['openrouter', { api_key: 'sk-or-1234567890', settings: { app_title: 'Conduit' } }],
    ['github_models', { api_key: 'ghp_test1234567890' }],
    ['openai_compatible', { base_url: 'https://vllm.example.com/v1' }],
  ])('creates a %s connection, showing only a hint of the key', async (kind, body) => {
    const created = (
      await tenant.post('/v1/connections', { name: `${kind}-${Math.random()}`, kind, ...body }).expect(201)
    ).body;
    expect(created).toMatchObject({ kind, status: 'untested', platform: false });
    if ('api_key' in body) {
      expect(created.secret_hint).toBe(`…${body.api_key.slice(-4)}`);
      expect(JSON.stringify(created)).not.toContain(body.api_key);
    }
    if ('base_url' in body) expect(created.base_url_host).toBe(new URL(body.base_url as string).host);
    expect(created).not.toHaveProperty('base_url');
    expect(created).not.toHaveProperty('api_key');
  });

  it.each([
    [
      'azure without api_version',
      { kind: 'azure_openai', base_url: 'https://a.openai.azure.com', api_key: 'k' },
      'settings.api_version',
    ],
    [
      'bedrock without region',
      { kind: 'bedrock', api_key: 'k', settings: { access_key_id: 'AKIAIOSFODNN7EXAMPLE' } },
      'settings.region',
    ],
    [
      'bedrock sigv4 without key id',
      { kind: 'bedrock', api_key: 'k', settings: { region: 'us-east-1' } },
      'settings.access_key_id',
    ],
    ['openai without a key', { kind: 'openai' }, 'api_key'],
    ['ollama without a base URL', { kind: 'ollama' }, 'base_url'],
    ['an unknown setting', { kind: 'openai', api_key: 'k', settings: { colour: 'blue' } }, 'settings'],
    ['a mock with a key', { kind: 'mock', api_key: 'k' }, 'api_key'],
    ['an unknown kind', { kind: 'llama-cloud', api_key: 'k' }, 'kind'],
  ])('refuses %s with 400 naming the field', async (_, body, path) => {
    const response = await tenant.post('/v1/connections', { name: `bad-${Math.random()}`, ...body }).expect(400);
    expect(response.body.error.code).toBe('validation_failed');
    expect(response.body.error.details.map((d: { path: string }) => d.path)).toEqual(
      expect.arrayContaining([expect.stringContaining(path)]),
    );
  });

  it.each([
    ['plain http', 'http://api.example.com/v1'],
    ['userinfo', 'https://user:pass@api.example.com/v1'],
    ['loopback', 'https://127.0.0.1/v1'],
    ['cloud metadata', 'https://169.254.169.254/latest'],
    ['a private network', 'https://10.1.2.3/v1'],
    ['localhost', 'https://localhost:8000/v1'],
    ['an internal name', 'https://vllm.cluster.internal/v1'],
  ])('refuses a base URL with %s: 422 egress_blocked', async (_, url) => {
    const response = await tenant
      .post('/v1/connections', { name: `ssrf-${Math.random()}`, kind: 'openai_compatible', base_url: url })
      .expect(422);
    expect(response.body.error.code).toBe('egress_blocked');
  });

  it('renames, rotates the key (back to untested), and refuses a duplicate name', async () => {
    const { id } = (
      await tenant.post('/v1/connections', { name: 'primary', kind: 'openai', api_key: 'sk-old-aaaa1111' }).expect(201)
    ).body;
    await tenant.post('/v1/connections', { name: 'other', kind: 'openai', api_key: 'sk-x-0000' }).expect(201);

    const renamed = (await tenant.patch(`/v1/connections/${id}`, { name: 'main' }).expect(200)).body;
    expect(renamed).toMatchObject({ name: 'main', secret_hint: '…1111' });
    const rotated = (await tenant.patch(`/v1/connections/${id}`, { api_key: 'sk-new-bbbb2222' }).expect(200)).body;
    expect(rotated).toMatchObject({ status: 'untested', secret_hint: '…2222' });
    const limits = (await tenant.patch(`/v1/connections/${id}`, { limits: { rpm: 60 } }).expect(200)).body;
    expect(limits.limits).toEqual({ rpm: 60 });
    expect((await tenant.patch(`/v1/connections/${id}`, { name: 'other' }).expect(409)).body.error.code).toBe(
      'conflict',
    );
    await tenant.patch(`/v1/connections/${id}`, { base_url: 'https://10.0.0.1/v1' }).expect(422);
  });

  it('refuses to delete a connection the current routing uses (409), and deletes it once unused', async () => {
    const used = await tenant.mockConnection();
    const spare = await tenant.mockConnection();
    await tenant.route('classification', [{ connection_id: used }]);
    const refused = await tenant.delete(`/v1/connections/${used}`).expect(409);
    expect(refused.body.error.message).toMatch(/classification/);

    await tenant.route('classification', [{ connection_id: spare }]);
    await tenant.delete(`/v1/connections/${used}`).expect(204);
    await tenant.get(`/v1/connections/${used}`).expect(404);
  });

  it('tests a mock connection: lists its models and marks it active', async () => {
    const id = await tenant.mockConnection();
    await tenant.patch(`/v1/connections/${id}`, { settings: { latency_ms: 5 } }).expect(200);
    expect((await tenant.get(`/v1/connections/${id}`).expect(200)).body.status).toBe('untested');
    const tested = (await tenant.post(`/v1/connections/${id}/test`).expect(200)).body;
    expect(tested).toEqual({ ok: true, latency_ms: expect.any(Number), models: ['mock-1'] });
    const after = (await tenant.get(`/v1/connections/${id}`).expect(200)).body;
    expect(after).toMatchObject({ status: 'active', models: ['mock-1'], last_test: { ok: true } });
  });

  it('marks a connection invalid when the provider refuses its key, then routes around it until it is fixed and tested', async () => {
    const owner = await ApiClient.newTenant(system.http);
    const revoked = await owner.mockConnection({ fail_rate: 1, fail_with: 'auth_failed' }, 'revoked-key');
    await owner.route('summarization', [{ connection_id: revoked, max_retries: 3 }]);

    const { id: first } = await owner.submit([summary('a')]);
    await owner.waitForBatch(first);
    const [failed] = await owner.items(first);
    // A refused key is not retried: one call, and the connection is marked invalid.
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'auth_failed' } });
    const invalid = (await owner.get(`/v1/connections/${revoked}`).expect(200)).body;
    expect(invalid).toMatchObject({ status: 'invalid', status_reason: expect.stringContaining('refused the key') });

    const { id: second } = await owner.submit([summary('b')]);
    await owner.waitForBatch(second);
    const [skipped] = await owner.items(second);
    expect(skipped).toMatchObject({ status: 'failed', attempts: 0, error: { code: 'no_route' } });
    expect(skipped.error.message).toContain('"revoked-key" is invalid');

    const stillBad = await owner.post(`/v1/connections/${revoked}/test`).expect(422);
    expect(stillBad.body.error.code).toBe('connection_test_failed');

    await owner.patch(`/v1/connections/${revoked}`, { settings: {} }).expect(200);
    await owner.post(`/v1/connections/${revoked}/test`).expect(200);
    const { id: third } = await owner.submit([summary('c')]);
    expect((await owner.waitForBatch(third)).counts.succeeded).toBe(1);
  });

  it('never stores a key in the clear', async () => {
    const key = `sk-plain-${Math.random().toString(36).slice(2)}`;
    const { id } = (await tenant.post('/v1/connections', { name: 'vaulted', kind: 'openai', api_key: key }).expect(201))
      .body;
    const [row] = await system.api.get(DataSource).query('SELECT * FROM provider_connections WHERE id = $1', [id]);
    expect(JSON.stringify(row)).not.toContain(key);
    expect(row.secret_ciphertext).toEqual(expect.any(String));
  });
});
