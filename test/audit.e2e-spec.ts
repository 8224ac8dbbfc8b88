import { ApiClient } from './support/api-client';
import { startSystem, type TestSystem } from './support/test-system';

interface AuditEvent {
  action: string;
  actor: { type: string; id: string | null };
  target: { type: string; id: string | null };
  change: Record<string, unknown>;
  request_id: string | null;
}

describe('audit log', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startSystem({ worker: false });
  });

  afterAll(() => system.close());

  async function events(client: ApiClient): Promise<AuditEvent[]> {
    const all: AuditEvent[] = [];
    for (let cursor = ''; ;) {
      const page = (await client.get(`/v1/audit-events?limit=3${cursor ? `&cursor=${cursor}` : ''}`).expect(200)).body;
      all.push(...page.data);
      if (!page.next_cursor) return all;
      cursor = page.next_cursor;
    }
  }

  it('records every mutation with its actor, target and a sanitized change, newest first', async () => {
    const owner = await ApiClient.newTenant(system.http);
    const me = (await owner.get('/v1/me').expect(200)).body;
    const secretKey = `sk-audit-${Math.random().toString(36).slice(2)}`;

    const keyResponse = await owner.post('/v1/api-keys', { name: 'robot', role: 'member' }).expect(201);
    await owner.delete(`/v1/api-keys/${keyResponse.body.id}`).expect(200);
    const connection = await owner
      .post('/v1/connections', { name: 'oa', kind: 'openai', api_key: secretKey })
      .expect(201);
    await owner.patch(`/v1/connections/${connection.body.id}`, { api_key: `${secretKey}-2` }).expect(200);
    const mock = await owner.mockConnection();
    await owner.post(`/v1/connections/${mock}/test`).expect(200);
    await owner.route('summarization', [{ connection_id: mock }]);
    const submit = await owner
      .post('/v1/batches', { items: [{ custom_id: 'a', task: 'summarization', input: { text: 'x' } }] })
      .expect(202);
    await owner.delete(`/v1/connections/${connection.body.id}`).expect(204);
    await ApiClient.admin(system.http).patch(`/v1/admin/tenants/${owner.tenantId}`, { plan: 'tiny' }).expect(200);

    const log = await events(owner);
    expect(log.map((e) => e.action)).toEqual([
      'tenant.update',
      'connection.delete',
      'batch.submit',
      'routing.update',
      'connection.test',
      'connection.create',
      'connection.update',
      'connection.create',
      'api_key.revoke',
      'api_key.create',
      'tenant.create',
    ]);
    expect(JSON.stringify(log)).not.toContain(secretKey);

    const byAction = (action: string) => log.find((e) => e.action === action)!;
    expect(byAction('connection.update').change).toEqual({ api_key: 'changed' });
    expect(byAction('tenant.update')).toMatchObject({
      actor: { type: 'platform', id: null },
      change: { plan: { from: 'pro', to: 'tiny' } },
    });
    expect(byAction('batch.submit')).toMatchObject({
      actor: { type: 'api_key', id: me.api_key.id },
      target: { type: 'batch', id: submit.body.id },
      change: { items: 1 },
      request_id: submit.headers['x-request-id'],
    });
  });

  it("is for admins, and never shows another tenant's events", async () => {
    const owner = await ApiClient.newTenant(system.http);
    const other = await ApiClient.newTenant(system.http);
    await other.mockConnection();
    const member = await owner.keyWithRole('member');
    await member.get('/v1/audit-events').expect(403);

    const mine = await events(owner);
    expect(mine.every((e) => e.action !== 'connection.create')).toBe(true);
    expect(mine.map((e) => e.action)).toEqual(['api_key.create', 'tenant.create']);
  });
});
