import { DataSource } from 'typeorm';
import { ApiClient } from './support/api-client';
import { startSystem, type TestSystem } from './support/test-system';

const item = (id: string) => ({ custom_id: id, task: 'summarization', input: { text: 'Gate me. Or not.' } });

describe('the access gate fails closed, at the API and again in the worker', () => {
  let system: TestSystem;
  let db: DataSource;

  beforeAll(async () => {
    system = await startSystem({ worker: false });
    db = system.api.get(DataSource);
  });

  afterAll(() => system.close());

  const setTenant = (tenant: ApiClient, patch: object) =>
    ApiClient.admin(system.http).patch(`/v1/admin/tenants/${tenant.tenantId}`, patch).expect(200);

  it.each([
    ['suspended', { status: 'suspended' }],
    ['expired', { status: 'expired' }],
    ['on a plan that is not configured', { plan: 'discontinued-plan' }],
  ])('refuses a batch with 403 tenant_inactive when the tenant is %s, storing nothing', async (_, patch) => {
    const tenant = await ApiClient.newTenant(system.http);
    await setTenant(tenant, patch);
    const before = (await db.query('SELECT count(*)::int AS n FROM items'))[0].n;
    const response = await tenant.post('/v1/batches', { items: [item('x')] }).expect(403);
    expect(response.body.error.code).toBe('tenant_inactive');
    expect((await db.query('SELECT count(*)::int AS n FROM items'))[0].n).toBe(before);
    // Reading stays possible: a suspended tenant can still fetch its results.
    await tenant.get('/v1/me').expect(200);
  });

  it('lets a trialing tenant run work', async () => {
    const tenant = await ApiClient.newTenant(system.http);
    await setTenant(tenant, { status: 'trialing' });
    await tenant.post('/v1/batches', { items: [item('x')] }).expect(202);
  });

  it('fails queued items with tenant_inactive in the worker, without calling the provider; reactivation runs new work', async () => {
    const tenant = await ApiClient.newTenant(system.http);
    await tenant.routeAll(await tenant.mockConnection());
    // Submitted while active, but no worker runs yet: the items wait in the queue.
    const { id: early } = await tenant.submit([item('a'), item('b')]);
    await setTenant(tenant, { status: 'suspended' });

    const worker = await startSystem();
    try {
      const batch = await tenant.waitForBatch(early);
      expect(batch.counts).toMatchObject({ failed: 2, succeeded: 0 });
      for (const failed of await tenant.items(early)) {
        expect(failed).toMatchObject({ status: 'failed', attempts: 0, error: { code: 'tenant_inactive' } });
      }
      const [{ calls }] = await db.query('SELECT count(*)::int AS calls FROM attempts WHERE batch_id = $1', [early]);
      expect(calls).toBe(0);

      await setTenant(tenant, { status: 'active' });
      const { id: later } = await tenant.submit([item('c')]);
      expect((await tenant.waitForBatch(later)).counts.succeeded).toBe(1);
    } finally {
      await worker.close();
    }
  });
});
