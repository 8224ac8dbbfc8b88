import type TestAgent from 'supertest/lib/agent';

/** What a product backend or tenant admin does over HTTP, as small helpers for tests. */
export class ApiClient {
  constructor(
    private readonly http: () => TestAgent,
    readonly key: string,
  ) {}

  static platformToken(): string {
    return process.env.PLATFORM_ADMIN_TOKEN as string;
  }

  /** A new tenant through the platform admin API; returns a client with its owner key. */
  static async newTenant(http: () => TestAgent, plan = 'pro') {
    const name = `tenant-${Math.random().toString(36).slice(2, 8)}`;
    const response = await ApiClient.admin(http).post('/v1/admin/tenants').send({ name, plan }).expect(201);
    const client = new ApiClient(http, response.body.owner_api_key as string);
    client.tenantId = response.body.id as string;
    return client;
  }

  /** Requests with the platform admin token. */
  static admin(http: () => TestAgent) {
    const auth = `Bearer ${ApiClient.platformToken()}`;
    return {
      get: (path: string) => http().get(path).set('Authorization', auth),
      post: (path: string, body?: object) => http().post(path).set('Authorization', auth).send(body),
      put: (path: string, body: object) => http().put(path).set('Authorization', auth).send(body),
      patch: (path: string, body: object) => http().patch(path).set('Authorization', auth).send(body),
      delete: (path: string) => http().delete(path).set('Authorization', auth),
    };
  }

  tenantId = '';

  /** Another key of this tenant with the given role. */
  async keyWithRole(role: 'owner' | 'admin' | 'member') {
    const response = await this.post('/v1/api-keys', { name: `${role}-key`, role }).expect(201);
    const client = new ApiClient(this.http, response.body.key as string);
    client.tenantId = this.tenantId;
    return client;
  }

  get(path: string) {
    return this.http().get(path).set('Authorization', `Bearer ${this.key}`);
  }

  post(path: string, body?: object) {
    return this.http().post(path).set('Authorization', `Bearer ${this.key}`).send(body);
  }

  put(path: string, body: object) {
    return this.http().put(path).set('Authorization', `Bearer ${this.key}`).send(body);
  }

  patch(path: string, body: object) {
    return this.http().patch(path).set('Authorization', `Bearer ${this.key}`).send(body);
  }

  delete(path: string) {
    return this.http().delete(path).set('Authorization', `Bearer ${this.key}`);
  }

  async mockConnection(
    settings: Record<string, unknown> = {},
    name = `mock-${Math.random().toString(36).slice(2, 8)}`,
  ) {
    const response = await this.post('/v1/connections', { name, kind: 'mock', settings }).expect(201);
    return response.body.id as string;
  }

  /** An `openai_compatible` connection to a local fake at `baseUrl` (…/v1); `extra`: limits and the like. */
  async compatibleConnection(baseUrl: string, apiKey: string, extra: Record<string, unknown> = {}) {
    const body = { name: `fake-${Math.random().toString(36).slice(2, 8)}`, kind: 'openai_compatible', ...extra };
    const response = await this.post('/v1/connections', { ...body, base_url: baseUrl, api_key: apiKey }).expect(201);
    return response.body.id as string;
  }

  /**
   * Routes summarization to a new `openai_compatible` connection to a fake at `fakeUrl` (model
   * `fake-model`, no retry unless `target` says otherwise); returns the connection's id.
   */
  async summarizeOnFake(fakeUrl: string, apiKey: string, target: Record<string, unknown> = {}) {
    const connection = await this.compatibleConnection(`${fakeUrl}/v1`, apiKey);
    await this.route('summarization', [{ connection_id: connection, model: 'fake-model', max_retries: 0, ...target }]);
    return connection;
  }

  async route(task: string, targets: { connection_id: string; model?: string; [key: string]: unknown }[]) {
    const body = { targets: targets.map((t) => ({ model: 'mock-1', ...t })) };
    return (await this.put(`/v1/routing/${task}`, body).expect(200)).body;
  }

  /** Routes all three tasks to one connection. */
  async routeAll(connectionId: string, extra: Record<string, unknown> = {}) {
    for (const task of ['extraction', 'classification', 'summarization']) {
      await this.route(task, [{ connection_id: connectionId, ...extra }]);
    }
  }

  async submit(items: object[], extra: object = {}) {
    return (await this.post('/v1/batches', { items, ...extra }).expect(202)).body as { id: string };
  }

  /** Polls the batch until it is completed (or fails the test after `timeoutMs`). */
  async waitForBatch(batchId: string, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const batch = (await this.get(`/v1/batches/${batchId}`).expect(200)).body;
      if (batch.status === 'completed' || batch.status === 'cancelled') return batch;
      if (Date.now() > deadline) throw new Error(`batch still ${batch.status}: ${JSON.stringify(batch.counts)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async items(batchId: string) {
    return (await this.get(`/v1/batches/${batchId}/items?limit=500`).expect(200)).body.data as Record<string, any>[];
  }
}

/** `n` summarization items, `doc-0` … (text `Doc 0.` …): the batch most fault tests submit. */
export function summaries(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    custom_id: `doc-${i}`,
    task: 'summarization',
    input: { text: `Doc ${i}.` },
  }));
}
