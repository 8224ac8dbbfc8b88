import { ApiClient } from './support/api-client';
import { startSystem, type TestSystem } from './support/test-system';

const summary = (id: string) => ({
  custom_id: id,
  task: 'summarization',
  input: { text: 'Platform connections are shared by every tenant whose plan includes them.' },
});

describe('platform-managed connections', () => {
  let system: TestSystem;
  let platformMock: string;

  beforeAll(async () => {
    system = await startSystem();
    const admin = ApiClient.admin(system.http);
    const created = await admin.post('/v1/admin/connections', { name: 'shared mock', kind: 'mock' }).expect(201);
    expect(created.body).toMatchObject({ platform: true, status: 'active' });
    platformMock = created.body.id;
  });

  afterAll(() => system.close());

  it('are usable in the routing of a tenant whose plan includes them, but not visible as its own', async () => {
    const tenant = await ApiClient.newTenant(system.http, 'pro');
    await tenant.route('summarization', [{ connection_id: platformMock }]);
    const { id } = await tenant.submit([summary('a')]);
    expect((await tenant.waitForBatch(id)).counts.succeeded).toBe(1);
    expect((await tenant.items(id))[0].connection_id).toBe(platformMock);

    await tenant.get(`/v1/connections/${platformMock}`).expect(404);
    await tenant.patch(`/v1/connections/${platformMock}`, { name: 'mine now' }).expect(404);
    await tenant.delete(`/v1/connections/${platformMock}`).expect(404);
  });

  it('are refused in the routing of a tenant whose plan does not include them', async () => {
    const tenant = await ApiClient.newTenant(system.http, 'byok');
    const response = await tenant
      .put('/v1/routing/summarization', { targets: [{ connection_id: platformMock, model: 'mock-1' }] })
      .expect(400);
    expect(response.body.error.details[0].path).toBe('targets[0].connection_id');
  });

  it("deny calls with budget_exceeded once the plan budget is spent, while the tenant's own connections keep working", async () => {
    const tenant = await ApiClient.newTenant(system.http, 'tiny'); // 100 platform tokens a month
    await tenant.route('summarization', [{ connection_id: platformMock }]);
    const { id: first } = await tenant.submit([summary('spend')]);
    const spent = await tenant.waitForBatch(first);
    expect(spent.counts.succeeded).toBe(1);
    expect(spent.usage.input_tokens + spent.usage.output_tokens).toBeGreaterThan(100);

    const { id: second } = await tenant.submit([summary('denied')]);
    await tenant.waitForBatch(second);
    const [denied] = await tenant.items(second);
    expect(denied).toMatchObject({ status: 'failed', attempts: 0, error: { code: 'budget_exceeded' } });

    const own = await tenant.mockConnection();
    await tenant.route('summarization', [{ connection_id: platformMock }, { connection_id: own }]);
    const { id: third } = await tenant.submit([summary('own')]);
    await tenant.waitForBatch(third);
    expect((await tenant.items(third))[0]).toMatchObject({ status: 'succeeded', connection_id: own });
  });

  it('cannot be deleted while a tenant routes to them', async () => {
    const tenant = await ApiClient.newTenant(system.http, 'pro');
    const created = await ApiClient.admin(system.http)
      .post('/v1/admin/connections', { name: 'to delete', kind: 'mock' })
      .expect(201);
    await tenant.route('extraction', [{ connection_id: created.body.id }]);
    await ApiClient.admin(system.http).delete(`/v1/admin/connections/${created.body.id}`).expect(409);
    await tenant.route('extraction', [{ connection_id: platformMock }]);
    await ApiClient.admin(system.http).delete(`/v1/admin/connections/${created.body.id}`).expect(204);
  });

  it('are managed with the platform token only', async () => {
    const tenant = await ApiClient.newTenant(system.http);
    await tenant.post('/v1/admin/connections', { name: 'nope', kind: 'mock' }).expect(401);
    await system.http().get('/v1/admin/connections').expect(401);
  });
});
