import { DataSource } from 'typeorm';
import { ApiClient } from './support/api-client';
import { startSystem, type TestSystem } from './support/test-system';

const items = (n: number, prefix = 'doc') =>
  Array.from({ length: n }, (_, i) => ({
    custom_id: `${prefix}-${i}`,
    task: 'summarization',
    input: { text: `Text ${i}.` },
  }));

describe('batch lifecycle: idempotency, listing, cancel', () => {
  let system: TestSystem;
  let tenant: ApiClient;

  beforeAll(async () => {
    system = await startSystem({ worker: false });
    tenant = await ApiClient.newTenant(system.http);
    await tenant.routeAll(await tenant.mockConnection());
  });

  afterAll(() => system.close());

  it('returns the same batch for the same Idempotency-Key and body, and 409 for another body', async () => {
    const body = { items: items(2, 'idem') };
    const first = await tenant.post('/v1/batches', body).set('Idempotency-Key', 'order-42').expect(202);
    const again = await tenant.post('/v1/batches', body).set('Idempotency-Key', 'order-42').expect(202);
    expect(again.body.id).toBe(first.body.id);

    const conflict = await tenant
      .post('/v1/batches', { items: items(3, 'idem') })
      .set('Idempotency-Key', 'order-42')
      .expect(409);
    expect(conflict.body.error.code).toBe('conflict');
    const [{ n }] = await system.api
      .get(DataSource)
      .query('SELECT count(*)::int AS n FROM items WHERE batch_id = $1', [first.body.id]);
    expect(n).toBe(2);

    // Keys are per tenant: another tenant may use the same one.
    const other = await ApiClient.newTenant(system.http);
    const theirs = await other.post('/v1/batches', body).set('Idempotency-Key', 'order-42').expect(202);
    expect(theirs.body.id).not.toBe(first.body.id);
  });

  it('lists batches newest first with a cursor, counts and usage included', async () => {
    const owner = await ApiClient.newTenant(system.http);
    await owner.routeAll(await owner.mockConnection());
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await owner.submit(items(i + 1, `list${i}`))).id);

    const first = (await owner.get('/v1/batches?limit=2').expect(200)).body;
    expect(first.data.map((b: { id: string }) => b.id)).toEqual([ids[2], ids[1]]);
    expect(first.data[0].counts).toMatchObject({ total: 3, queued: 3 });
    const rest = (await owner.get(`/v1/batches?limit=2&cursor=${first.next_cursor}`).expect(200)).body;
    expect(rest.data.map((b: { id: string }) => b.id)).toEqual([ids[0]]);
    expect(rest.next_cursor).toBeNull();
  });

  it('cancels queued items at once, lets running ones finish, and ends cancelled', async () => {
    const owner = await ApiClient.newTenant(system.http);
    await owner.routeAll(await owner.mockConnection({ latency_ms: 600 }));
    const { id } = await owner.submit(items(30, 'cancel'));

    const worker = await startSystem();
    try {
      const running = async () => (await owner.get(`/v1/batches/${id}`).expect(200)).body.counts.running as number;
      while ((await running()) === 0) await new Promise((resolve) => setTimeout(resolve, 20));

      const cancelling = (await owner.post(`/v1/batches/${id}/cancel`).expect(200)).body;
      expect(cancelling.status).toBe('cancelling');
      expect(cancelling.counts.queued).toBe(0);
      expect(cancelling.counts.cancelled).toBeGreaterThan(0);

      const done = await owner.waitForBatch(id);
      expect(done.status).toBe('cancelled');
      expect(done.counts.succeeded + done.counts.cancelled).toBe(30);
      expect(done.counts.succeeded).toBe(cancelling.counts.running + cancelling.counts.succeeded);
      const cancelledItem = (await owner.items(id)).find((i) => i.status === 'cancelled');
      expect(cancelledItem).toMatchObject({ attempts: 0 });
      // Cancelling again changes nothing.
      expect((await owner.post(`/v1/batches/${id}/cancel`).expect(200)).body.status).toBe('cancelled');
    } finally {
      await worker.close();
    }
  });

  it("cannot cancel another tenant's batch", async () => {
    const { id } = await tenant.submit(items(1, 'mine'));
    const other = await ApiClient.newTenant(system.http);
    await other.post(`/v1/batches/${id}/cancel`).expect(404);
    expect((await tenant.get(`/v1/batches/${id}`).expect(200)).body.status).toBe('in_progress');
  });
});
