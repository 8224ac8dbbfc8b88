import { PriceTable } from '@conduit/accounting';
import { DataSource } from 'typeorm';
import { ApiClient } from './support/api-client';
import { startSystem, type TestSystem } from './support/test-system';

const FIELDS = [
  'calls',
  'failed_calls',
  'input_tokens',
  'output_tokens',
  'cached_tokens',
  'cache_write_tokens',
  'cache_write_1h_tokens',
  'reasoning_tokens',
  'cost',
  'provider_cost',
] as const;
const GROUPS = ['day', 'connection', 'model', 'task', 'api_key', 'user'] as const;

type Row = Record<(typeof FIELDS)[number], number | null> & { key?: string | null };

const item = (task: string, i: number) => ({ custom_id: `${task}-${i}`, ...itemBody(task, i) });
const itemBody = (task: string, i: number) => {
  if (task === 'classification') {
    return { task, input: { text: `Parcel ${i} never arrived.`, labels: ['billing', 'shipping'] } };
  }
  if (task === 'extraction') {
    return {
      task,
      input: {
        text: `Order ${i}: total 12.50 EUR.`,
        schema: { type: 'object', properties: { total: { type: 'number' } }, required: ['total'] },
      },
    };
  }
  return { task, input: { text: `Report number ${i}. Things happened, then more things happened.` } };
};
const items = (n: number) =>
  Array.from({ length: n }, (_, i) => item(['extraction', 'classification', 'summarization'][i % 3], i));

/** Sums every field of the groups, as the totals must be. */
function sumOf(rows: Row[]): Row {
  const sum = Object.fromEntries(FIELDS.map((f) => [f, 0])) as unknown as Row;
  let providerCost: number | null = null;
  for (const row of rows) {
    for (const f of FIELDS) {
      if (f === 'provider_cost')
        providerCost = row[f] === null ? providerCost : (providerCost ?? 0) + (row[f] as number);
      else sum[f] = (sum[f] as number) + (row[f] as number);
    }
  }
  sum.provider_cost = providerCost;
  return sum;
}

function expectSameUsage(actual: Row, expected: Row) {
  for (const f of FIELDS) {
    if (f === 'cost' || f === 'provider_cost') {
      if (expected[f] === null) expect(actual[f]).toBeNull();
      else expect(actual[f]).toBeCloseTo(expected[f] as number, 8);
    } else {
      expect({ [f]: actual[f] }).toEqual({ [f]: expected[f] });
    }
  }
}

/** A minimal RFC 4180 reader (quoted fields with doubled quotes, CRLF rows). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ',') {
      row.push(field);
      field = '';
    } else if (!quoted && c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (quoted || c !== '\r') {
      field += c;
    }
  }
  return rows;
}

describe('usage and cost: GET /v1/usage and per-connection prices', () => {
  let system: TestSystem;
  let db: DataSource;
  let tenantA: ApiClient;
  let memberA: ApiClient;
  let tenantB: ApiClient;
  let a1: string; // prices: 2 / 10 per million for mock-1
  let a2: string; // prices: 3 / 20 for mock-1, 5 / 7 for mock-big; first call of each item fails
  let aFree: string; // no override: the mock-1 default (0)
  let b1: string;
  const PRICES: Record<string, { input: number; output: number }> = {};

  beforeAll(async () => {
    system = await startSystem();
    db = system.api.get(DataSource);
    tenantA = await ApiClient.newTenant(system.http);
    memberA = await tenantA.keyWithRole('member');
    tenantB = await ApiClient.newTenant(system.http);

    a1 = await tenantA.mockConnection();
    a2 = await tenantA.mockConnection({ fail_first: 1, fail_with: 'server_error' });
    aFree = await tenantA.mockConnection();
    b1 = await tenantB.mockConnection();

    const price = async (client: ApiClient, connection: string, model: string, input: number, output: number) => {
      const body = (
        await client
          .put(`/v1/connections/${connection}/prices/${model}`, {
            input_per_million: input,
            output_per_million: output,
          })
          .expect(200)
      ).body;
      expect(body).toMatchObject({ model, connection_id: connection, source: 'connection', input_per_million: input });
      PRICES[`${connection}/${model}`] = { input, output };
    };
    await price(tenantA, a1, 'mock-1', 2, 10);
    await price(tenantA, a2, 'mock-1', 3, 20);
    await price(tenantA, a2, 'mock-big', 5, 7);
    await price(tenantB, b1, 'mock-1', 1000, 1000);
    // The worker reads prices through its own cache (PRICE_CACHE_MS): a job an earlier test file left
    // in the shared queue may have filled it before these prices were set.
    system.worker.get(PriceTable).invalidate();

    await tenantA.route('extraction', [{ connection_id: a1 }]);
    await tenantA.route('classification', [{ connection_id: a2 }]);
    await tenantA.route('summarization', [{ connection_id: a2, model: 'mock-big' }]);
    await tenantB.routeAll(b1);

    const batches = [
      await tenantA.submit(items(6), { user: 'alice' }),
      await memberA.submit(items(4), { user: 'bob, "the builder"' }),
      await tenantA.submit(items(3)),
      await tenantB.submit(items(5), { user: 'alice' }),
    ];
    await Promise.all(batches.map((batch, i) => (i === 3 ? tenantB : tenantA).waitForBatch(batch.id)));

    // One more batch of tenant A on the connection without an override: priced at the default.
    await tenantA.route('classification', [{ connection_id: aFree }]);
    await tenantA.waitForBatch((await tenantA.submit([item('classification', 99)])).id);
  });

  afterAll(() => system.close());

  /** The direct SQL sum over a tenant's attempts. */
  async function sqlTotals(tenantId: string): Promise<Row> {
    const [row] = await db.query(
      `SELECT count(*)::int AS calls, (count(*) FILTER (WHERE outcome <> 'success'))::int AS failed_calls,
              coalesce(sum(input_tokens), 0)::int AS input_tokens, coalesce(sum(output_tokens), 0)::int AS output_tokens,
              coalesce(sum(cached_tokens), 0)::int AS cached_tokens,
              coalesce(sum(cache_write_tokens), 0)::int AS cache_write_tokens,
              coalesce(sum(cache_write_1h_tokens), 0)::int AS cache_write_1h_tokens,
              coalesce(sum(reasoning_tokens), 0)::int AS reasoning_tokens,
              coalesce(sum(cost), 0)::float8 AS cost, sum(provider_cost)::float8 AS provider_cost
         FROM attempts WHERE tenant_id = $1`,
      [tenantId],
    );
    return row;
  }

  it('prices every attempt at its connection override (tokens × price), and the default when none is set', async () => {
    const attempts: {
      connection_id: string;
      model: string;
      input_tokens: number;
      output_tokens: number;
      cached_tokens: number;
      cost: string;
    }[] = await db.query(
      `SELECT connection_id, model, input_tokens, output_tokens, cached_tokens, cost FROM attempts WHERE tenant_id = $1`,
      [tenantA.tenantId],
    );
    expect(attempts.length).toBeGreaterThan(13);
    let priced = 0;
    for (const attempt of attempts) {
      const price = PRICES[`${attempt.connection_id}/${attempt.model}`] ?? { input: 0, output: 0 };
      const expected = (attempt.input_tokens * price.input + attempt.output_tokens * price.output) / 1e6;
      expect(attempt.cached_tokens).toBe(0);
      expect(Number(attempt.cost)).toBeCloseTo(expected, 8);
      if (expected > 0) priced++;
    }
    expect(priced).toBeGreaterThan(10);
    // The unpriced connection's calls cost 0 (mock-1's default).
    expect(attempts.filter((a) => a.connection_id === aFree).every((a) => Number(a.cost) === 0)).toBe(true);
  });

  it('groups by every dimension with sums equal to the totals, and totals equal to the attempts', async () => {
    const expected = await sqlTotals(tenantA.tenantId);
    expect(expected.cost).toBeGreaterThan(0);
    expect(expected.failed_calls).toBeGreaterThan(0);
    expect(expected.provider_cost).toBeNull();

    const [{ connections, keys }] = await db.query(
      `SELECT array(SELECT id::text FROM provider_connections WHERE tenant_id = $1) AS connections,
              array(SELECT id::text FROM api_keys WHERE tenant_id = $1) AS keys`,
      [tenantA.tenantId],
    );
    const expectedKeys: Record<string, (string | null)[]> = {
      day: [new Date().toISOString().slice(0, 10)],
      connection: [...connections].sort(),
      model: ['mock-1', 'mock-big'],
      task: ['classification', 'extraction', 'summarization'],
      user: ['alice', 'bob, "the builder"', null],
    };

    for (const group of GROUPS) {
      const body = (await memberA.get(`/v1/usage?group_by=${group}`).expect(200)).body;
      expect(body.group_by).toBe(group);
      expectSameUsage(body.totals, expected);
      expectSameUsage(sumOf(body.data), body.totals);
      const groupKeys = body.data.map((row: Row) => row.key);
      if (group === 'api_key') {
        expect(groupKeys).toHaveLength(2);
        for (const key of groupKeys) expect(keys).toContain(key);
      } else {
        expect(groupKeys).toEqual(expectedKeys[group]);
      }
    }

    // group_by defaults to day; the per-connection cost is that connection's tokens × its prices.
    const byDay = (await tenantA.get('/v1/usage').expect(200)).body;
    expect(byDay.group_by).toBe('day');
    const byConnection = (await tenantA.get('/v1/usage?group_by=connection').expect(200)).body;
    const a1Row = byConnection.data.find((row: Row) => row.key === a1);
    expect(a1Row.cost).toBeCloseTo((a1Row.input_tokens * 2 + a1Row.output_tokens * 10) / 1e6, 8);
    expect(byConnection.data.find((row: Row) => row.key === aFree).cost).toBe(0);
  });

  it("never shows another tenant's attempts", async () => {
    const a = (await tenantA.get('/v1/usage?group_by=connection').expect(200)).body;
    const b = (await tenantB.get('/v1/usage?group_by=connection').expect(200)).body;
    expect(a.data.map((row: Row) => row.key)).not.toContain(b1);
    expect(b.data.map((row: Row) => row.key)).toEqual([b1]);
    expectSameUsage(b.totals, await sqlTotals(tenantB.tenantId));
    const bUsers = (await tenantB.get('/v1/usage?group_by=user').expect(200)).body;
    expect(bUsers.data.map((row: Row) => row.key)).toEqual(['alice']);
    expect(bUsers.totals.calls).toBe(5);
  });

  it('limits the report to the period asked for', async () => {
    const past = (await tenantA.get('/v1/usage?from=2020-01-01&to=2020-01-31').expect(200)).body;
    expect(past.data).toEqual([]);
    expect(past.totals).toMatchObject({ calls: 0, cost: 0, provider_cost: null });
    const today = new Date().toISOString().slice(0, 10);
    const oneDay = (await tenantA.get(`/v1/usage?from=${today}&to=${today}&group_by=model`).expect(200)).body;
    expectSameUsage(oneDay.totals, await sqlTotals(tenantA.tenantId));
  });

  it('exports the same numbers as CSV, by ?format=csv or Accept: text/csv', async () => {
    const json = (await tenantA.get('/v1/usage?group_by=user').expect(200)).body;
    const byFormat = await tenantA.get('/v1/usage?group_by=user&format=csv').expect(200);
    const byAccept = await tenantA.get('/v1/usage?group_by=user').set('Accept', 'text/csv').expect(200);
    expect(byFormat.headers['content-type']).toMatch(/^text\/csv/);
    expect(byFormat.headers['content-disposition']).toMatch(/attachment; filename="usage-user-/);
    expect(byAccept.text).toBe(byFormat.text);

    const [header, ...rows] = parseCsv(byFormat.text);
    expect(header).toEqual(['user', ...FIELDS]);
    expect(rows).toHaveLength(json.data.length);
    rows.forEach((cells, i) => {
      const row = json.data[i];
      expect(cells[0]).toBe(row.key ?? '');
      FIELDS.forEach((field, j) => {
        if (row[field] === null) expect(cells[j + 1]).toBe('');
        else expect(Number(cells[j + 1])).toBeCloseTo(row[field], 8);
      });
    });
    expect(byFormat.text).toContain('"bob, ""the builder"""');
  });

  it('refuses a bad group_by, from or period with 400 validation_failed', async () => {
    for (const query of [
      'group_by=week',
      'from=yesterday',
      'from=2025-13-01',
      'from=2025-02-01&to=2025-01-01',
      'format=xml',
    ]) {
      const response = await tenantA.get(`/v1/usage?${query}`).expect(400);
      expect(response.body.error.code).toBe('validation_failed');
    }
  });

  it('carries real cost in the batch and item views', async () => {
    const [batch] = await db.query(
      `SELECT batch_id, sum(cost)::float8 AS cost FROM attempts WHERE tenant_id = $1 AND connection_id = $2
        GROUP BY batch_id LIMIT 1`,
      [tenantA.tenantId, a1],
    );
    const view = (await tenantA.get(`/v1/batches/${batch.batch_id}`).expect(200)).body;
    const [all] = await db.query(`SELECT sum(cost)::float8 AS cost FROM attempts WHERE batch_id = $1`, [
      batch.batch_id,
    ]);
    expect(view.usage.cost).toBeGreaterThan(0);
    expect(view.usage.cost).toBeCloseTo(all.cost, 8);
    const itemViews = await tenantA.items(batch.batch_id);
    expect(itemViews.reduce((n, i) => n + i.usage.cost, 0)).toBeCloseTo(all.cost, 8);
  });

  it('lists and removes per-connection prices; only admins, only for the tenant’s own connections', async () => {
    const list = (await tenantA.get(`/v1/connections/${a2}/prices`).expect(200)).body.data;
    expect(
      list.filter((p: { source: string }) => p.source === 'connection').map((p: { model: string }) => p.model),
    ).toEqual(['mock-1', 'mock-big']);
    const free = (await tenantA.get(`/v1/connections/${aFree}/prices`).expect(200)).body.data;
    expect(free).toEqual([expect.objectContaining({ model: 'mock-1', source: 'default', input_per_million: 0 })]);

    await tenantB.get(`/v1/connections/${a1}/prices`).expect(404);
    await tenantB
      .put(`/v1/connections/${a1}/prices/mock-1`, { input_per_million: 0, output_per_million: 0 })
      .expect(404);
    await memberA
      .put(`/v1/connections/${a1}/prices/mock-1`, { input_per_million: 0, output_per_million: 0 })
      .expect(403);
    await memberA.get(`/v1/connections/${a1}/prices`).expect(403);
    await memberA.delete(`/v1/connections/${a2}/prices/mock-big`).expect(403);
    await tenantA.get(`/v1/connections/not-a-uuid/prices`).expect(404);
    await tenantA.get(`/v1/usage`).set('Authorization', 'Bearer nope').expect(401);
    const bad = await tenantA.put(`/v1/connections/${a1}/prices/mock-1`, {
      input_per_million: -1,
      output_per_million: 0,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');

    await tenantA.delete(`/v1/connections/${a2}/prices/mock-big`).expect(204);
    await tenantA.delete(`/v1/connections/${a2}/prices/mock-big`).expect(404);
    const after = (await tenantA.get(`/v1/connections/${a2}/prices`).expect(200)).body.data;
    expect(after.map((p: { model: string }) => p.model)).not.toContain('mock-big');
    const [audit] = await db.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE tenant_id = $1 AND action LIKE 'connection.price_%'`,
      [tenantA.tenantId],
    );
    expect(audit.n).toBe(4);
  });
});
