import { ProviderErrorClass } from '@conduit/providers';
import { CircuitBreaker, ProviderLimiter } from '@conduit/routing';
import { ApiClient } from './support/api-client';
import { startSystem, type TestSystem } from './support/test-system';

const summary = (id: string) => ({ custom_id: id, task: 'summarization', input: { text: 'Where does my data go?' } });

describe('routing policies', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startSystem();
  });

  afterAll(() => system.close());

  it('keeps every version with who changed it, and items record the version they ran under', async () => {
    const owner = await ApiClient.newTenant(system.http);
    const admin = await owner.keyWithRole('admin');
    const adminId = (await admin.get('/v1/me').expect(200)).body.api_key.id;
    const first = await owner.mockConnection();
    const second = await owner.mockConnection();

    await owner.route('summarization', [{ connection_id: first }]);
    const { id: before } = await owner.submit([summary('v1')]);
    await owner.waitForBatch(before);
    const v2 = (
      await admin
        .put('/v1/routing/summarization', { targets: [{ connection_id: second, model: 'mock-1' }] })
        .expect(200)
    ).body;
    expect(v2).toMatchObject({ task: 'summarization', version: 2, updated_by: adminId });
    const { id: after } = await owner.submit([summary('v2')]);
    await owner.waitForBatch(after);

    expect((await owner.items(before))[0]).toMatchObject({ policy_version: 1, connection_id: first });
    expect((await owner.items(after))[0]).toMatchObject({ policy_version: 2, connection_id: second });

    const history = (await owner.get('/v1/routing/summarization/versions?limit=1').expect(200)).body;
    expect(history.data.map((p: { version: number }) => p.version)).toEqual([2]);
    const older = (
      await owner.get(`/v1/routing/summarization/versions?limit=1&cursor=${history.next_cursor}`).expect(200)
    ).body;
    expect(older.data).toEqual([
      expect.objectContaining({ version: 1, targets: [expect.objectContaining({ connection_id: first })] }),
    ]);
    expect(older.next_cursor).toBeNull();

    const current = (await owner.get('/v1/routing').expect(200)).body.data;
    expect(current.find((p: { task: string }) => p.task === 'summarization').version).toBe(2);
  });

  it('keeps data in its region: targets outside it are skipped, and none left is no_route', async () => {
    const tenant = await ApiClient.newTenant(system.http);
    const us = (await tenant.post('/v1/connections', { name: 'us', kind: 'mock', region: 'us' }).expect(201)).body.id;
    const eu = (await tenant.post('/v1/connections', { name: 'eu', kind: 'mock', region: 'eu' }).expect(201)).body.id;
    const untagged = await tenant.mockConnection();

    await tenant
      .put('/v1/routing/summarization', {
        targets: [
          { connection_id: us, model: 'mock-1' },
          { connection_id: untagged, model: 'mock-1' },
          { connection_id: eu, model: 'mock-1' },
        ],
        constraints: { region: 'eu' },
      })
      .expect(200);
    const { id: resident } = await tenant.submit([summary('eu')]);
    await tenant.waitForBatch(resident);
    expect((await tenant.items(resident))[0]).toMatchObject({ status: 'succeeded', connection_id: eu, attempts: 1 });

    await tenant
      .put('/v1/routing/summarization', {
        targets: [
          { connection_id: us, model: 'mock-1' },
          { connection_id: untagged, model: 'mock-1' },
        ],
        constraints: { region: 'eu' },
      })
      .expect(200);
    const { id: stranded } = await tenant.submit([summary('nowhere')]);
    await tenant.waitForBatch(stranded);
    const [item] = await tenant.items(stranded);
    expect(item).toMatchObject({ status: 'failed', attempts: 0, error: { code: 'no_route' } });
    expect(item.error.message).toMatch(/not in region eu/);
  });

  it('dry-runs a policy: which target would be chosen now, and why the others are skipped', async () => {
    const tenant = await ApiClient.newTenant(system.http);
    const create = async (name: string, extra: object = {}) =>
      (await tenant.post('/v1/connections', { name, kind: 'mock', ...extra }).expect(201)).body.id as string;
    const revoked = await create('revoked', { settings: { fail_rate: 1, fail_with: 'auth_failed' } });
    await tenant.post(`/v1/connections/${revoked}/test`).expect(422); // marks it invalid
    const elsewhere = await create('us-only', { region: 'us' });
    const tripped = await create('tripped', { region: 'eu' });
    const busy = await create('busy', { region: 'eu', limits: { rpm: 1 } });
    const fine = await create('fine', { region: 'eu' });

    for (let i = 0; i < 5; i++) {
      await system.api
        .get(CircuitBreaker)
        .recordFailure({ connectionId: tripped, model: 'mock-1' }, ProviderErrorClass.ServerError);
    }
    await system.api.get(ProviderLimiter).acquire(busy, { rpm: 1 }, 1);

    await tenant
      .put('/v1/routing/summarization', {
        targets: [revoked, elsewhere, tripped, busy, fine].map((id) => ({ connection_id: id, model: 'mock-1' })),
        constraints: { region: 'eu' },
      })
      .expect(200);
    const result = (await tenant.post('/v1/routing/summarization/dry-run').expect(200)).body;

    expect(result.chosen).toMatchObject({ index: 4, connection_id: fine, usable: true });
    expect(result.targets.map((t: { reason?: string }) => t.reason)).toEqual([
      expect.stringContaining('invalid'),
      expect.stringContaining('not in region eu'),
      expect.stringContaining('circuit breaker open'),
      expect.stringContaining('rpm limit 1 reached'),
      undefined,
    ]);
    await tenant.post('/v1/routing/translation/dry-run').expect(400);
    expect((await (await tenant.keyWithRole('member')).post('/v1/routing/summarization/dry-run')).status).toBe(403);
  });
});
