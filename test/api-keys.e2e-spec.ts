import { LastUsedTracker } from '@conduit/tenancy';
import { DataSource } from 'typeorm';
import { ApiClient } from './support/api-client';
import { startSystem, type TestSystem } from './support/test-system';

describe('API keys', () => {
  let system: TestSystem;
  let db: DataSource;

  beforeAll(async () => {
    system = await startSystem({ worker: false });
    db = system.api.get(DataSource);
  });

  afterAll(() => system.close());

  it('shows a new key once, stores only its hash, and lists it without the secret', async () => {
    const owner = await ApiClient.newTenant(system.http);
    const created = (await owner.post('/v1/api-keys', { name: 'ci', role: 'member' }).expect(201)).body;
    expect(created).toMatchObject({ name: 'ci', role: 'member', prefix: created.key.slice(0, 12) });
    expect(created.key).toMatch(/^cdt_[A-Za-z0-9_-]{40,}$/);

    const listed = (await owner.get('/v1/api-keys').expect(200)).body.data;
    expect(listed.map((k: { name: string }) => k.name)).toEqual(['owner', 'ci']);
    expect(JSON.stringify(listed)).not.toContain(created.key);
    const [row] = await db.query('SELECT * FROM api_keys WHERE id = $1', [created.id]);
    expect(JSON.stringify(row)).not.toContain(created.key);

    await new ApiClient(system.http, created.key).get('/v1/me').expect(200);
  });

  it('stops a revoked key at once, with 401', async () => {
    const owner = await ApiClient.newTenant(system.http);
    const member = await owner.keyWithRole('member');
    await member.get('/v1/me').expect(200);
    const id = (await owner.get('/v1/api-keys').expect(200)).body.data.find(
      (k: { role: string }) => k.role === 'member',
    ).id;

    const revoked = (await owner.delete(`/v1/api-keys/${id}`).expect(200)).body;
    expect(revoked.revoked_at).toEqual(expect.any(String));
    const refused = await member.get('/v1/me').expect(401);
    expect(refused.body.error.code).toBe('unauthenticated');
  });

  it('lets admins manage member keys only, and owners every key; the last owner key stays', async () => {
    const owner = await ApiClient.newTenant(system.http);
    const admin = await owner.keyWithRole('admin');
    const member = await owner.keyWithRole('member');

    await admin.post('/v1/api-keys', { name: 'm2', role: 'member' }).expect(201);
    expect((await admin.post('/v1/api-keys', { name: 'a2', role: 'admin' }).expect(403)).body.error.code).toBe(
      'forbidden',
    );
    await admin.post('/v1/api-keys', { name: 'o2', role: 'owner' }).expect(403);
    await member.post('/v1/api-keys', { name: 'm3', role: 'member' }).expect(403);

    const keys = (await owner.get('/v1/api-keys').expect(200)).body.data as { id: string; role: string }[];
    const ownerKey = keys.find((k) => k.role === 'owner')!;
    const adminKey = keys.find((k) => k.role === 'admin')!;
    await admin.delete(`/v1/api-keys/${adminKey.id}`).expect(403);
    const last = await owner.delete(`/v1/api-keys/${ownerKey.id}`).expect(409);
    expect(last.body.error.code).toBe('conflict');
    await owner.delete(`/v1/api-keys/${adminKey.id}`).expect(200);
  });

  it('keeps last_used_at without writing on every request', async () => {
    const owner = await ApiClient.newTenant(system.http);
    const member = await owner.keyWithRole('member');
    const before = Date.now();
    for (let i = 0; i < 5; i++) await member.get('/v1/me').expect(200);

    const id = (await owner.get('/v1/api-keys').expect(200)).body.data.find(
      (k: { role: string }) => k.role === 'member',
    ).id;
    const [unflushed] = await db.query('SELECT last_used_at FROM api_keys WHERE id = $1', [id]);
    expect(unflushed.last_used_at).toBeNull();
    const listed = (await owner.get('/v1/api-keys').expect(200)).body.data.find((k: { id: string }) => k.id === id);
    expect(new Date(listed.last_used_at).getTime()).toBeGreaterThanOrEqual(before - 5);

    await system.api.get(LastUsedTracker).flush();
    const [flushed] = await db.query('SELECT last_used_at FROM api_keys WHERE id = $1', [id]);
    expect(new Date(flushed.last_used_at).getTime()).toBeGreaterThanOrEqual(before - 5);
  });
});
