import Ajv from 'ajv';
import { DataSource } from 'typeorm';
import { ApiClient } from './support/api-client';
import { startSystem, type TestSystem } from './support/test-system';

const invoiceSchema = {
  type: 'object',
  properties: {
    invoice_number: { type: 'string' },
    total: { type: 'number', minimum: 0 },
    currency: { type: 'string', enum: ['EUR', 'USD', 'GBP'] },
    paid: { type: 'boolean' },
  },
  required: ['invoice_number', 'total', 'currency'],
  additionalProperties: false,
};

const threeTasks = [
  {
    custom_id: 'invoice-1',
    task: 'extraction',
    input: { text: 'Invoice number: INV-2041. Total: 1250.50 EUR, due in 30 days.', schema: invoiceSchema },
  },
  {
    custom_id: 'ticket-1',
    task: 'classification',
    input: {
      text: 'My card was charged twice, I want a refund.',
      labels: [{ name: 'billing', description: 'charges and refunds' }, 'shipping', 'technical'],
    },
  },
  {
    custom_id: 'article-1',
    task: 'summarization',
    input: {
      text: 'Conduit queues AI work for product backends. Each tenant brings its own provider keys. Workers call the providers with retries and failover. Results and every token are recorded in Postgres.',
      max_words: 20,
    },
  },
];

describe('batches: from the API through the worker to stored results', () => {
  let system: TestSystem;
  let tenant: ApiClient;

  beforeAll(async () => {
    system = await startSystem();
    tenant = await ApiClient.newTenant(system.http);
    await tenant.routeAll(await tenant.mockConnection());
  });

  afterAll(() => system.close());

  it('runs a batch of all three tasks to results that fit their schemas, with usage equal to the attempts', async () => {
    const submitted = await tenant.submit(threeTasks, { metadata: { source: 'crm' }, user: 'end-user-42' });
    const batch = await tenant.waitForBatch(submitted.id);

    expect(batch).toMatchObject({
      id: submitted.id,
      status: 'completed',
      counts: { total: 3, queued: 0, running: 0, succeeded: 3, failed: 0, cancelled: 0 },
      metadata: { source: 'crm' },
    });
    expect(batch.completed_at).toEqual(expect.any(String));

    const items = await tenant.items(submitted.id);
    expect(items.map((i) => i.custom_id)).toEqual(['invoice-1', 'ticket-1', 'article-1']);
    const byId = Object.fromEntries(items.map((i) => [i.custom_id, i]));

    const invoice = byId['invoice-1'].result.data;
    expect(new Ajv().validate(invoiceSchema, invoice)).toBe(true);
    expect(invoice).toMatchObject({ invoice_number: 'INV-2041', total: 1250.5, currency: 'EUR' });
    expect(byId['ticket-1'].result.labels).toEqual(['billing']);
    const summary: string = byId['article-1'].result.summary;
    expect(summary.split(/\s+/).filter(Boolean).length).toBeLessThanOrEqual(20);
    expect(summary.length).toBeGreaterThan(0);

    for (const item of items) {
      expect(item).toMatchObject({ status: 'succeeded', attempts: 1, model: 'mock-1', policy_version: 1 });
      expect(item.usage.input_tokens).toBeGreaterThan(0);
      expect(item.usage.output_tokens).toBeGreaterThan(0);
    }

    // The batch's usage is exactly the sum of the attempts recorded in Postgres.
    const db = system.api.get(DataSource);
    const [sums] = await db.query(
      `SELECT count(*)::int AS calls, sum(input_tokens)::int AS input, sum(output_tokens)::int AS output
         FROM attempts WHERE batch_id = $1`,
      [submitted.id],
    );
    expect(sums.calls).toBe(3);
    expect(batch.usage.input_tokens).toBe(sums.input);
    expect(batch.usage.output_tokens).toBe(sums.output);
    expect(items.reduce((n, i) => n + i.usage.input_tokens, 0)).toBe(sums.input);
  });

  it('streams the results as JSON Lines in submission order', async () => {
    const submitted = await tenant.submit(threeTasks);
    await tenant.waitForBatch(submitted.id);
    const response = await tenant.get(`/v1/batches/${submitted.id}/results`).expect(200);
    expect(response.headers['content-type']).toMatch(/application\/x-ndjson/);
    const lines = response.text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((l) => l.custom_id)).toEqual(['invoice-1', 'ticket-1', 'article-1']);
    for (const line of lines) {
      expect(line).toMatchObject({ status: 'succeeded', model: 'mock-1' });
      expect(line.result).toBeDefined();
      expect(line.usage.input_tokens).toBeGreaterThan(0);
    }
  });

  it('shows one item by id, and pages items with a cursor', async () => {
    const many = Array.from({ length: 5 }, (_, i) => ({
      custom_id: `s-${i}`,
      task: 'summarization',
      input: { text: `Document number ${i}. It says something.` },
    }));
    const submitted = await tenant.submit(many);
    await tenant.waitForBatch(submitted.id);

    const first = (await tenant.get(`/v1/batches/${submitted.id}/items?limit=2`).expect(200)).body;
    expect(first.data.map((i: { custom_id: string }) => i.custom_id)).toEqual(['s-0', 's-1']);
    const second = (
      await tenant.get(`/v1/batches/${submitted.id}/items?limit=2&cursor=${first.next_cursor}`).expect(200)
    ).body;
    expect(second.data.map((i: { custom_id: string }) => i.custom_id)).toEqual(['s-2', 's-3']);
    const last = (
      await tenant.get(`/v1/batches/${submitted.id}/items?limit=2&cursor=${second.next_cursor}`).expect(200)
    ).body;
    expect(last.data.map((i: { custom_id: string }) => i.custom_id)).toEqual(['s-4']);
    expect(last.next_cursor).toBeNull();

    const item = (await tenant.get(`/v1/items/${first.data[0].id}`).expect(200)).body;
    expect(item).toMatchObject({ id: first.data[0].id, custom_id: 's-0', status: 'succeeded' });
    expect(item.result.summary).toContain('Document number 0');

    const failed = (await tenant.get(`/v1/batches/${submitted.id}/items?status=failed`).expect(200)).body;
    expect(failed.data).toEqual([]);
  });
});
