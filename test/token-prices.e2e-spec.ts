import { PriceTable } from '@conduit/accounting';
import { DataSource } from 'typeorm';
import { FakeAnthropicServer } from './fakes';
import { ApiClient } from './support/api-client';
import { allowLoopbackEgress } from './support/loopback-egress';
import { startSystem, type TestSystem } from './support/test-system';

const KEY = 'sk-ant-e2e-token-prices-0123456789';
const MODEL = 'claude-sonnet-4-5'; // priced by the seeded default of `claude-sonnet-4`

/**
 * What the fake Anthropic bills for each call: 120 fresh input tokens, 2,000 cache reads, 3,000 cache
 * writes (1,800 for five minutes, 1,200 for an hour), 400 output tokens of which 150 are thinking.
 */
const USAGE = {
  input_tokens: 120,
  cache_read_input_tokens: 2000,
  cache_creation_input_tokens: 3000,
  cache_creation: { ephemeral_5m_input_tokens: 1800, ephemeral_1h_input_tokens: 1200 },
  output_tokens: 400,
  output_tokens_details: { thinking_tokens: 150 },
};

interface Rates {
  input: number;
  cached: number;
  write5m: number;
  write1h: number;
  output: number;
  reasoning: number;
}

/** The bill for one call of USAGE, by hand: each token class at its own rate, USD per million. */
const billOf = (r: Rates) =>
  (120 * r.input + 2000 * r.cached + 1800 * r.write5m + 1200 * r.write1h + 250 * r.output + 150 * r.reasoning) / 1e6;

// Anthropic's list prices for Claude Sonnet 4: $3 input, $0.30 cache reads, $3.75 five-minute and
// $6 one-hour cache writes (1.25× and 2× input), $15 output, thinking billed as output.
const SONNET_LIST: Rates = { input: 3, cached: 0.3, write5m: 3.75, write1h: 6, output: 15, reasoning: 15 };

const classify = (id: string) => ({
  custom_id: id,
  task: 'classification',
  input: { text: 'Great product', labels: ['positive', 'negative'] },
});

describe('every token class is priced at its own rate, with per-connection overrides for platform connections', () => {
  let system: TestSystem;
  let db: DataSource;
  let restoreEnv: () => void;
  let fake: FakeAnthropicServer;
  let closeFake: () => Promise<void>;
  let fakeUrl: string;
  const admin = () => ApiClient.admin(system.http);

  beforeAll(async () => {
    restoreEnv = allowLoopbackEgress();
    system = await startSystem();
    db = system.api.get(DataSource);
    fake = new FakeAnthropicServer({ apiKey: KEY, usage: USAGE });
    ({ url: fakeUrl, close: closeFake } = await fake.start());
  });

  afterAll(async () => {
    await system.close();
    await closeFake();
    restoreEnv();
  });

  /** Runs one item on the connection and returns its attempt row. */
  async function oneCall(tenant: ApiClient, connectionId: string) {
    await tenant.route('classification', [{ connection_id: connectionId, model: MODEL }]);
    const { id } = await tenant.submit([classify(`c-${Math.random()}`)]);
    expect((await tenant.waitForBatch(id)).counts.succeeded).toBe(1);
    const [attempt] = await db.query(`SELECT * FROM attempts WHERE batch_id = $1`, [id]);
    return { ...attempt, cost: Number(attempt.cost) };
  }

  /** The connection's row of GET /v1/usage?group_by=connection. */
  async function usageOf(tenant: ApiClient, connectionId: string) {
    const report = (await tenant.get('/v1/usage?group_by=connection').expect(200)).body;
    return report.data.find((row: { key: string }) => row.key === connectionId);
  }

  it("prices cache writes at the default's cache-write rates (5 minutes and 1 hour), not at the input rate", async () => {
    const tenant = await ApiClient.newTenant(system.http);
    const connection = (
      await tenant
        .post('/v1/connections', { name: 'anthropic', kind: 'anthropic', base_url: fakeUrl, api_key: KEY })
        .expect(201)
    ).body.id;

    const attempt = await oneCall(tenant, connection);
    expect(attempt.cost).toBeCloseTo(billOf(SONNET_LIST), 8); // $0.02091
    expect(attempt).toMatchObject({
      input_tokens: 5120,
      cached_tokens: 2000,
      cache_write_tokens: 3000,
      cache_write_1h_tokens: 1200,
      output_tokens: 400,
      reasoning_tokens: 150,
    });

    const usage = await usageOf(tenant, connection);
    expect(usage).toMatchObject({ calls: 1, cache_write_tokens: 3000, cache_write_1h_tokens: 1200 });
    expect(usage.cost).toBeCloseTo(billOf(SONNET_LIST), 8);

    // The connection's price list shows the default with its cache-write rates.
    const prices = (await tenant.get(`/v1/connections/${connection}/prices`).expect(200)).body.data;
    expect(prices).toContainEqual(
      expect.objectContaining({
        model: 'claude-sonnet-4',
        source: 'default',
        input_per_million: 3,
        cached_input_per_million: 0.3,
        cache_write_per_million: 3.75,
        cache_write_1h_per_million: 6,
        output_per_million: 15,
      }),
    );
  });

  it("prices a platform connection's calls at its override, set and removed with the platform token", async () => {
    const platform = (
      await admin()
        .post('/v1/admin/connections', { name: 'shared claude', kind: 'anthropic', base_url: fakeUrl, api_key: KEY })
        .expect(201)
    ).body.id;
    const contract: Rates = { input: 1, cached: 0.1, write5m: 1.5, write1h: 2.5, output: 5, reasoning: 8 };
    const set = await admin()
      .put(`/v1/admin/connections/${platform}/prices/${MODEL}`, {
        input_per_million: contract.input,
        cached_input_per_million: contract.cached,
        cache_write_per_million: contract.write5m,
        cache_write_1h_per_million: contract.write1h,
        output_per_million: contract.output,
        reasoning_per_million: contract.reasoning,
      })
      .expect(200);
    expect(set.body).toMatchObject({
      object: 'model_price',
      provider_kind: 'anthropic',
      model: MODEL,
      connection_id: platform,
      source: 'connection',
      cache_write_per_million: 1.5,
      cache_write_1h_per_million: 2.5,
      reasoning_per_million: 8,
    });
    const listed = (await admin().get(`/v1/admin/connections/${platform}/prices`).expect(200)).body.data;
    expect(listed[0]).toEqual(set.body);
    expect(listed.slice(1).every((price: { source: string }) => price.source === 'default')).toBe(true);
    const [audit] = await db.query(
      `SELECT tenant_id, actor_type, change FROM audit_events WHERE action = 'connection.price_set' AND target_id = $1`,
      [platform],
    );
    expect(audit).toMatchObject({ tenant_id: null, actor_type: 'platform', change: { model: MODEL } });
    system.worker.get(PriceTable).invalidate(); // the worker's own cache (PRICE_CACHE_MS)

    const tenant = await ApiClient.newTenant(system.http, 'pro');
    const attempt = await oneCall(tenant, platform);
    expect(attempt.cost).toBeCloseTo(billOf(contract), 8); // $0.00847
    expect((await usageOf(tenant, platform)).cost).toBeCloseTo(billOf(contract), 8);

    // Removed: the default applies again.
    await admin().delete(`/v1/admin/connections/${platform}/prices/${MODEL}`).expect(204);
    await admin().delete(`/v1/admin/connections/${platform}/prices/${MODEL}`).expect(404);
    system.worker.get(PriceTable).invalidate();
    expect((await oneCall(tenant, platform)).cost).toBeCloseTo(billOf(SONNET_LIST), 8);
  });

  it('refuses bad prices, tenant connections on the platform routes, and platform connections on the tenant routes', async () => {
    const platform = (await admin().post('/v1/admin/connections', { name: 'p', kind: 'mock' }).expect(201)).body.id;
    const tenant = await ApiClient.newTenant(system.http);
    const own = await tenant.mockConnection();

    for (const body of [
      { input_per_million: 1, output_per_million: 1, cache_write_per_million: -1 },
      { input_per_million: 1, output_per_million: 1, reasoning_per_million: 'free' },
      { input_per_million: 1, output_per_million: 1, cache_write_2h_per_million: 1 },
    ]) {
      const response = await admin().put(`/v1/admin/connections/${platform}/prices/mock-1`, body).expect(400);
      expect(response.body.error.code).toBe('validation_failed');
    }
    const price = { input_per_million: 1, output_per_million: 1 };
    await admin().put(`/v1/admin/connections/${own}/prices/mock-1`, price).expect(404);
    await admin().get(`/v1/admin/connections/${own}/prices`).expect(404);
    await admin().delete(`/v1/admin/connections/${own}/prices/mock-1`).expect(404);
    await tenant.put(`/v1/connections/${platform}/prices/mock-1`, price).expect(404);
    await tenant.get(`/v1/connections/${platform}/prices`).expect(404);
    await tenant.put(`/v1/admin/connections/${platform}/prices/mock-1`, price).expect(401);
  });
});
