import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { getQueueToken } from '@nestjs/bullmq';
import { WEBHOOKS_QUEUE, WebhookDispatcher } from '@conduit/jobs';
import type { Queue } from 'bullmq';
import { overrideEnv } from './support/env';
import { ApiClient } from './support/api-client';
import { allowLoopbackEgress } from './support/loopback-egress';
import { startSystem, type TestSystem } from './support/test-system';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on 127.0.0.1: records every request; answers each path from its script, then 200. */
class Receiver {
  readonly received: Received[] = [];
  private readonly scripts = new Map<string, number[]>();
  private server?: Server;
  url = '';

  answer(path: string, statuses: number[]): void {
    this.scripts.set(path, [...statuses]);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const path = req.url ?? '/';
        this.received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        const status = this.scripts.get(path)?.shift() ?? 200;
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'no');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async waitFor(path: string, count: number, timeoutMs = 20_000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.at(path).length < count) {
      if (Date.now() > deadline) throw new Error(`${path}: ${this.at(path).length} of ${count} requests arrived`);
      await sleep(50);
    }
    return this.at(path);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a receiver does: recompute the HMAC of "t.body" with the secret and compare. */
function verifies(received: Received, secret: string): boolean {
  const header = received.headers['conduit-signature'];
  if (typeof header !== 'string') return false;
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]));
  if (!/^\d+$/.test(parts.t ?? '') || Math.abs(Date.now() / 1000 - Number(parts.t)) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${parts.t}.${received.body}`).digest('hex');
  return parts.v1 === expected;
}

const ITEMS = [
  { custom_id: 'a', task: 'summarization', input: { text: 'Webhooks tell you. Polling asks.' } },
  { custom_id: 'b', task: 'classification', input: { text: 'Great', labels: ['positive', 'negative'] } },
];

describe('batch completion webhooks', () => {
  let strict: TestSystem;
  let system: TestSystem;
  let receiver: Receiver;
  let restoreEnv: () => void;

  beforeAll(async () => {
    // Started before any allowance: the operator's default, where loopback and http are refused.
    strict = await startSystem({ worker: false });
    const restoreEgress = allowLoopbackEgress();
    const restoreBackoff = overrideEnv({ WEBHOOK_BACKOFF_MS: '100' });
    restoreEnv = () => {
      restoreBackoff();
      restoreEgress();
    };
    system = await startSystem();
    receiver = new Receiver();
    await receiver.start();
  });

  afterAll(async () => {
    await receiver?.close();
    await system?.close();
    await strict?.close();
    restoreEnv();
  });

  async function readyTenant(http: () => ReturnType<TestSystem['http']>) {
    const tenant = await ApiClient.newTenant(http);
    await tenant.routeAll(await tenant.mockConnection());
    return tenant;
  }

  async function deliveries(tenant: ApiClient, batchId: string) {
    return (await tenant.get(`/v1/batches/${batchId}/webhook-deliveries`).expect(200)).body.data as Record<
      string,
      any
    >[];
  }

  async function waitForDelivery(tenant: ApiClient, batchId: string, status: string) {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const [delivery] = await deliveries(tenant, batchId);
      if (delivery?.status === status) return delivery;
      if (Date.now() > deadline) throw new Error(`delivery is ${JSON.stringify(delivery)}`);
      await sleep(50);
    }
  }

  it('POSTs the signed batch object once when the batch completes', async () => {
    const tenant = await readyTenant(system.http);
    const created = (await tenant.post('/v1/webhook-secret').expect(201)).body;
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);

    const { id } = await tenant.submit(ITEMS, { webhook_url: `${receiver.url}/one` });
    const batch = await tenant.waitForBatch(id);
    const [hook] = await receiver.waitFor('/one', 1);

    expect(hook.headers['content-type']).toBe('application/json');
    expect(verifies(hook, created.secret)).toBe(true);
    expect(verifies({ ...hook, body: hook.body.replace('completed', 'cancelled') }, created.secret)).toBe(false);
    const body = JSON.parse(hook.body);
    expect(body).toEqual(batch);
    expect(body).toMatchObject({ id, object: 'batch', status: 'completed', counts: { total: 2, succeeded: 2 } });

    const delivery = await waitForDelivery(tenant, id, 'succeeded');
    expect(hook.headers['conduit-delivery-id']).toBe(delivery.id);
    expect(delivery).toMatchObject({
      object: 'webhook_delivery',
      batch_id: id,
      event: 'batch.completed',
      attempts: 1,
      last_status_code: 200,
      last_error: null,
      next_attempt_at: null,
    });
    await sleep(300);
    expect(receiver.at('/one')).toHaveLength(1);
  });

  it('retries with backoff: 500, 500, then 200 is delivered on the third try', async () => {
    const tenant = await readyTenant(system.http);
    const { secret } = (await tenant.post('/v1/webhook-secret').expect(201)).body;
    receiver.answer('/flaky', [500, 500]);

    const { id } = await tenant.submit(ITEMS.slice(0, 1), { webhook_url: `${receiver.url}/flaky` });
    await tenant.waitForBatch(id);
    const delivery = await waitForDelivery(tenant, id, 'succeeded');
    const hooks = receiver.at('/flaky');

    expect(hooks).toHaveLength(3);
    expect(hooks.every((h) => verifies(h, secret as string))).toBe(true);
    expect(new Set(hooks.map((h) => h.headers['conduit-delivery-id']))).toEqual(new Set([delivery.id]));
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 3, last_status_code: 200 });
  });

  it('records a failing attempt for the tenant to see', async () => {
    const tenant = await readyTenant(system.http);
    receiver.answer('/down', [503, 503, 503, 503, 503, 503, 503, 503]);
    const { id } = await tenant.submit(ITEMS.slice(0, 1), { webhook_url: `${receiver.url}/down` });
    await tenant.waitForBatch(id);
    await receiver.waitFor('/down', 1);
    const deadline = Date.now() + 10_000;
    let delivery: Record<string, any> | undefined;
    while (!(delivery?.attempts >= 1) && Date.now() < deadline) {
      [delivery] = await deliveries(tenant, id);
      await sleep(50);
    }
    expect(delivery).toMatchObject({ status: 'pending', last_status_code: 503 });
    expect(delivery?.last_error).toContain('HTTP 503');
    expect(delivery?.next_attempt_at).not.toBeNull();
  });

  it('goes unsigned while the tenant has no secret', async () => {
    const tenant = await readyTenant(system.http);
    const { id } = await tenant.submit(ITEMS.slice(0, 1), { webhook_url: `${receiver.url}/unsigned` });
    const [hook] = await receiver.waitFor('/unsigned', 1);
    expect(hook.headers['conduit-signature']).toBeUndefined();
    expect(JSON.parse(hook.body)).toMatchObject({ id, status: 'completed' });
  });

  it('signs later deliveries with the rotated secret and never shows a secret again', async () => {
    const tenant = await readyTenant(system.http);
    const member = await tenant.keyWithRole('member');
    await member.post('/v1/webhook-secret').expect(403);

    const first = (await tenant.post('/v1/webhook-secret').expect(201)).body.secret as string;
    const second = (await tenant.post('/v1/webhook-secret').expect(201)).body.secret as string;
    expect(second).not.toBe(first);

    const { id } = await tenant.submit(ITEMS.slice(0, 1), { webhook_url: `${receiver.url}/rotated` });
    const [hook] = await receiver.waitFor('/rotated', 1);
    expect(verifies(hook, second)).toBe(true);
    expect(verifies(hook, first)).toBe(false);
    await waitForDelivery(tenant, id, 'succeeded');

    const reads = await Promise.all([
      tenant.get('/v1/webhook-secret').expect(200),
      tenant.get(`/v1/batches/${id}`).expect(200),
      tenant.get('/v1/batches').expect(200),
      tenant.get(`/v1/batches/${id}/webhook-deliveries`).expect(200),
      tenant.get('/v1/audit-events').expect(200),
    ]);
    expect(reads[0].body).toMatchObject({ object: 'webhook_secret', exists: true });
    for (const read of reads) {
      expect(read.text).not.toContain(first);
      expect(read.text).not.toContain(second);
      expect(read.text).not.toContain('whsec_');
    }
    const actions = (reads[4].body.data as { action: string }[]).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['webhook_secret.create', 'webhook_secret.rotate']));
  });

  it("keeps deliveries to the batch's tenant", async () => {
    const tenant = await readyTenant(system.http);
    const other = await ApiClient.newTenant(system.http);
    const { id } = await tenant.submit(ITEMS.slice(0, 1), { webhook_url: `${receiver.url}/mine` });
    await tenant.waitForBatch(id);
    const res = await other.get(`/v1/batches/${id}/webhook-deliveries`).expect(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('refuses a webhook_url the egress guard would block, at submission', async () => {
    const tenant = await readyTenant(strict.http);
    for (const url of ['https://127.0.0.1/hook', 'http://hooks.example.com/x', 'https://localhost/hook']) {
      const res = await tenant.post('/v1/batches', { items: ITEMS, webhook_url: url }).expect(422);
      expect(res.body.error.code).toBe('egress_blocked');
    }
    const before = (await tenant.get('/v1/batches').expect(200)).body.data;
    expect(before).toHaveLength(0);

    // Metadata addresses stay blocked even where loopback is allowed.
    const open = await readyTenant(system.http);
    const res = await open.post('/v1/batches', { items: ITEMS, webhook_url: 'http://169.254.169.254/x' }).expect(422);
    expect(res.body.error.code).toBe('egress_blocked');
  });

  it('creates the first secret once even when two admins ask at the same moment', async () => {
    const tenant = await ApiClient.newTenant(system.http);
    const [a, b] = await Promise.all([tenant.post('/v1/webhook-secret'), tenant.post('/v1/webhook-secret')]);
    expect([a.status, b.status]).toEqual([201, 201]);
    const actions = (await tenant.get('/v1/audit-events').expect(200)).body.data.map(
      (e: { action: string }) => e.action,
    );
    expect(actions.filter((action: string) => action.startsWith('webhook_secret.')).sort()).toEqual([
      'webhook_secret.create',
      'webhook_secret.rotate',
    ]);
  });

  it('re-queues a delivery that was stored but never queued (Redis down when the batch closed)', async () => {
    const tenant = await readyTenant(system.http);
    const { id } = await tenant.submit(ITEMS, { webhook_url: `${receiver.url}/stranded` });
    await tenant.waitForBatch(id);
    await receiver.waitFor('/stranded', 1);
    const db = system.api.get(DataSource);
    // As if the job had never been added: the row back to pending a while ago, and no job in Redis.
    const [delivery] = await deliveries(tenant, id);
    await db.query(
      `UPDATE webhook_deliveries SET status = 'pending', attempts = 0, updated_at = now() - interval '10 minutes' WHERE id = $1`,
      [delivery.id],
    );
    await system.api.get<Queue>(getQueueToken(WEBHOOKS_QUEUE)).remove(delivery.id);
    expect(await system.api.get(WebhookDispatcher).requeueStranded(60_000)).toBe(1);
    await receiver.waitFor('/stranded', 2);
    expect(await system.api.get(WebhookDispatcher).requeueStranded(60_000)).toBe(0);
  });
});
