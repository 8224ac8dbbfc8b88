import { DataSource } from 'typeorm';
import { ApiClient } from './support/api-client';
import { startSystem, type TestSystem } from './support/test-system';

describe("tenant isolation: another tenant's ids are 404 on every route, and lists never mix", () => {
  let system: TestSystem;
  let owner: ApiClient;
  let other: ApiClient;
  const ids: Record<string, string> = {};
  const OWNER_PRICE = { input_per_million: 2, output_per_million: 3 };

  beforeAll(async () => {
    system = await startSystem();
    owner = await ApiClient.newTenant(system.http);
    other = await ApiClient.newTenant(system.http);
    ids.connection = await owner.mockConnection({}, 'owner-mock');
    await owner.routeAll(ids.connection);
    await owner.put(`/v1/connections/${ids.connection}/prices/mock-1`, OWNER_PRICE).expect(200);
    ids.batch = (await owner.submit([{ custom_id: 'mine', task: 'summarization', input: { text: 'Not yours.' } }])).id;
    await owner.waitForBatch(ids.batch);
    ids.item = (await owner.items(ids.batch))[0].id;
    ids.apiKey = (await owner.post('/v1/api-keys', { name: 'owner-member', role: 'member' }).expect(201)).body.id;
  });

  afterAll(() => system.close());

  it.each([
    ['GET', '/v1/batches/:batch'],
    ['GET', '/v1/batches/:batch/items'],
    ['GET', '/v1/batches/:batch/results'],
    ['GET', '/v1/items/:item'],
    ['GET', '/v1/connections/:connection'],
    ['PATCH', '/v1/connections/:connection'],
    ['DELETE', '/v1/connections/:connection'],
    ['POST', '/v1/connections/:connection/test'],
    ['GET', '/v1/connections/:connection/prices'],
    ['PUT', '/v1/connections/:connection/prices/mock-1'],
    ['DELETE', '/v1/connections/:connection/prices/mock-1'],
    ['DELETE', '/v1/api-keys/:apiKey'],
    ['POST', '/v1/batches/:batch/cancel'],
  ])('%s %s', async (method, template) => {
    const path = template.replace(/:(\w+)/g, (_, name: string) => ids[name]);
    const request =
      method === 'GET'
        ? other.get(path)
        : method === 'PATCH'
          ? other.patch(path, { name: 'stolen' })
          : method === 'PUT'
            ? other.put(path, { input_per_million: 0, output_per_million: 0 })
            : method === 'DELETE'
              ? other.delete(path)
              : other.post(path);
    const response = await request.expect(404);
    expect(response.body.error.code).toBe('not_found');
    expect(JSON.stringify(response.body)).not.toContain('owner-mock');
  });

  it("cannot route to another tenant's connection", async () => {
    const response = await other
      .put('/v1/routing/summarization', { targets: [{ connection_id: ids.connection, model: 'mock-1' }] })
      .expect(400);
    expect(response.body.error.details[0].path).toBe('targets[0].connection_id');
  });

  it('lists only its own batches, connections, keys, routing and audit events', async () => {
    expect((await other.get('/v1/batches').expect(200)).body.data).toEqual([]);
    expect((await other.get('/v1/connections').expect(200)).body.data).toEqual([]);
    const keys = (await other.get('/v1/api-keys').expect(200)).body.data;
    expect(keys.map((k: { name: string }) => k.name)).toEqual(['owner']);
    const routing = (await other.get('/v1/routing').expect(200)).body.data;
    expect(routing.every((p: { targets: unknown[] }) => p.targets.length === 0)).toBe(true);
    const audit = (await other.get('/v1/audit-events').expect(200)).body.data;
    expect(audit.map((e: { action: string }) => e.action)).toEqual(['tenant.create']);
  });

  it("leaves the owner's things untouched", async () => {
    const connection = (await owner.get(`/v1/connections/${ids.connection}`).expect(200)).body;
    expect(connection.name).toBe('owner-mock');
    const keys = (await owner.get('/v1/api-keys').expect(200)).body.data;
    expect(keys.find((k: { id: string }) => k.id === ids.apiKey).revoked_at).toBeNull();
    const prices = (await owner.get(`/v1/connections/${ids.connection}/prices`).expect(200)).body.data;
    expect(prices[0]).toMatchObject({ model: 'mock-1', source: 'connection', ...OWNER_PRICE });
  });

  it("has Postgres refuse an item of one tenant in another tenant's batch", async () => {
    const otherTenant = (await other.get('/v1/me').expect(200)).body.tenant.id as string;
    const insert = system.api.get(DataSource).query(
      `INSERT INTO items (tenant_id, batch_id, position, custom_id, task, input, status)
         VALUES ($1, $2, 99, 'intruder', 'summarization', '{}', 'queued')`,
      [otherTenant, ids.batch],
    );
    await expect(insert).rejects.toMatchObject({ driverError: { code: '23503' } }); // foreign key
  });
});
