import { ApiClient } from './support/api-client';
import { startSystem, type TestSystem } from './support/test-system';

type Role = 'member' | 'admin' | 'owner';
const ROLES: Role[] = ['member', 'admin', 'owner'];
const RANK: Record<Role, number> = { member: 0, admin: 1, owner: 2 };

interface RouteCase {
  route: string;
  needs: Role;
  /** Makes the request as `client`; may create what it needs first with the owner key. */
  call: (client: ApiClient, owner: ApiClient) => Promise<{ status: number; body: { error?: { code: string } } }>;
}

describe('roles on every tenant route', () => {
  let system: TestSystem;
  let owner: ApiClient;
  let clients: Record<Role, ApiClient>;
  let batchId: string;
  let itemId: string;
  let platformConnection: string;

  beforeAll(async () => {
    system = await startSystem();
    owner = await ApiClient.newTenant(system.http);
    clients = { owner, admin: await owner.keyWithRole('admin'), member: await owner.keyWithRole('member') };
    await owner.routeAll(await owner.mockConnection());
    batchId = (await owner.submit([{ custom_id: 'r', task: 'summarization', input: { text: 'Roles. Rules.' } }])).id;
    await owner.waitForBatch(batchId);
    itemId = (await owner.items(batchId))[0].id;
    platformConnection = (
      await ApiClient.admin(system.http)
        .post('/v1/admin/connections', { name: 'platform mock', kind: 'mock' })
        .expect(201)
    ).body.id;
  });

  afterAll(() => system.close());

  const PRICE = { input_per_million: 1, output_per_million: 2 };

  const memberKeyId = async (o: ApiClient) =>
    (await o.post('/v1/api-keys', { name: 'to revoke', role: 'member' }).expect(201)).body.id as string;

  const cases: RouteCase[] = [
    { route: 'GET /v1/me', needs: 'member', call: (c) => c.get('/v1/me') },
    {
      route: 'POST /v1/batches',
      needs: 'member',
      call: (c) => c.post('/v1/batches', { items: [{ custom_id: 'x', task: 'summarization', input: { text: 't' } }] }),
    },
    { route: 'GET /v1/batches', needs: 'member', call: (c) => c.get('/v1/batches') },
    { route: 'GET /v1/batches/:id', needs: 'member', call: (c) => c.get(`/v1/batches/${batchId}`) },
    { route: 'POST /v1/batches/:id/cancel', needs: 'member', call: (c) => c.post(`/v1/batches/${batchId}/cancel`) },
    {
      route: 'GET /v1/routing/:task/versions',
      needs: 'admin',
      call: (c) => c.get('/v1/routing/summarization/versions'),
    },
    {
      route: 'POST /v1/routing/:task/dry-run',
      needs: 'admin',
      call: (c) => c.post('/v1/routing/summarization/dry-run'),
    },
    { route: 'GET /v1/batches/:id/items', needs: 'member', call: (c) => c.get(`/v1/batches/${batchId}/items`) },
    { route: 'GET /v1/batches/:id/results', needs: 'member', call: (c) => c.get(`/v1/batches/${batchId}/results`) },
    { route: 'GET /v1/items/:id', needs: 'member', call: (c) => c.get(`/v1/items/${itemId}`) },
    { route: 'GET /v1/connections', needs: 'admin', call: (c) => c.get('/v1/connections') },
    {
      route: 'POST /v1/connections',
      needs: 'admin',
      call: (c) => c.post('/v1/connections', { name: `c-${Math.random()}`, kind: 'mock' }),
    },
    {
      route: 'GET /v1/connections/:id',
      needs: 'admin',
      call: async (c, o) => c.get(`/v1/connections/${await o.mockConnection()}`),
    },
    {
      route: 'PATCH /v1/connections/:id',
      needs: 'admin',
      call: async (c, o) => c.patch(`/v1/connections/${await o.mockConnection()}`, { name: `n-${Math.random()}` }),
    },
    {
      route: 'DELETE /v1/connections/:id',
      needs: 'admin',
      call: async (c, o) => c.delete(`/v1/connections/${await o.mockConnection()}`),
    },
    {
      route: 'POST /v1/connections/:id/test',
      needs: 'admin',
      call: async (c, o) => c.post(`/v1/connections/${await o.mockConnection()}/test`),
    },
    {
      route: 'GET /v1/connections/:id/prices',
      needs: 'admin',
      call: async (c, o) => c.get(`/v1/connections/${await o.mockConnection()}/prices`),
    },
    {
      route: 'PUT /v1/connections/:id/prices/:model',
      needs: 'admin',
      call: async (c, o) => c.put(`/v1/connections/${await o.mockConnection()}/prices/mock-1`, PRICE),
    },
    {
      route: 'DELETE /v1/connections/:id/prices/:model',
      needs: 'admin',
      call: async (c, o) => {
        const connection = await o.mockConnection();
        await o.put(`/v1/connections/${connection}/prices/mock-1`, PRICE).expect(200);
        return c.delete(`/v1/connections/${connection}/prices/mock-1`);
      },
    },
    { route: 'GET /v1/routing', needs: 'admin', call: (c) => c.get('/v1/routing') },
    {
      route: 'PUT /v1/routing/:task',
      needs: 'admin',
      call: async (c, o) =>
        c.put('/v1/routing/extraction', { targets: [{ connection_id: await o.mockConnection(), model: 'mock-1' }] }),
    },
    { route: 'GET /v1/api-keys', needs: 'admin', call: (c) => c.get('/v1/api-keys') },
    {
      route: 'POST /v1/api-keys (member key)',
      needs: 'admin',
      call: (c) => c.post('/v1/api-keys', { name: 'k', role: 'member' }),
    },
    {
      route: 'POST /v1/api-keys (admin key)',
      needs: 'owner',
      call: (c) => c.post('/v1/api-keys', { name: 'k', role: 'admin' }),
    },
    {
      route: 'DELETE /v1/api-keys/:id (member key)',
      needs: 'admin',
      call: async (c, o) => c.delete(`/v1/api-keys/${await memberKeyId(o)}`),
    },
    { route: 'GET /v1/audit-events', needs: 'admin', call: (c) => c.get('/v1/audit-events') },
  ];

  const table = cases.flatMap((c) => ROLES.map((role) => [c.route, role, c] as const));

  it.each(table)('%s as %s', async (_, role, routeCase) => {
    const response = await routeCase.call(clients[role], owner);
    if (RANK[role] >= RANK[routeCase.needs]) {
      expect(response.status).toBeGreaterThanOrEqual(200);
      expect(response.status).toBeLessThan(300);
    } else {
      expect(response.status).toBe(403);
      expect(response.body.error?.code).toBe('forbidden');
    }
  });

  it.each(ROLES)('a %s key never opens a platform route', async (role) => {
    for (const [method, path] of [
      ['get', '/v1/admin/tenants'],
      ['post', '/v1/admin/tenants'],
      ['get', `/v1/admin/tenants/${owner.tenantId}`],
      ['patch', `/v1/admin/tenants/${owner.tenantId}`],
      ['get', '/v1/admin/connections'],
      ['post', '/v1/admin/connections'],
      ['get', `/v1/admin/connections/${platformConnection}/prices`],
      ['put', `/v1/admin/connections/${platformConnection}/prices/mock-1`],
      ['delete', `/v1/admin/connections/${platformConnection}/prices/mock-1`],
    ] as const) {
      const response = await system.http()[method](path).set('Authorization', `Bearer ${clients[role].key}`).send({});
      expect(response.status).toBe(401);
    }
  });
});
