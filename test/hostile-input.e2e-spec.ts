import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ROUTES } from '../apps/api/src/operations/openapi';
import { ApiClient } from './support/api-client';
import { startSystem, type TestSystem } from './support/test-system';

const item = (input: object, extra: object = {}) => ({ custom_id: 'x', task: 'summarization', input, ...extra });

/** `depth` objects nested in one another, innermost `{}`: as a string, since JSON.stringify would overflow. */
const nestedJson = (depth: number) => `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;

describe('hostile input: every refusal is a 4xx with a code, and nothing is stored', () => {
  let system: TestSystem;
  let tenant: ApiClient;
  let db: DataSource;

  const countRows = async (table: string) => (await db.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n;

  beforeAll(async () => {
    system = await startSystem({ worker: false });
    tenant = await ApiClient.newTenant(system.http);
    db = system.api.get(DataSource);
  });

  afterAll(() => system.close());

  describe('a body the JSON parser cannot read', () => {
    const routes = [
      ...ROUTES.map((route) => ({
        method: route.method,
        path: route.path.replace(':id', randomUUID()).replace(':task', 'summarization').replace(':model', 'm-1'),
      })),
      { method: 'post' as const, path: '/admin/queues/api/queues/items/clean/completed' },
      { method: 'post' as const, path: '/v1/nowhere' },
    ];

    it.each([
      ['gzip', 'this is not gzip'],
      ['deflate', 'nor deflate'],
      ['br', 'nor brotli'],
    ])('is 400 invalid_json on every route when Content-Encoding: %s is not what it says', async (encoding, body) => {
      for (const { method, path } of routes) {
        const response = await system
          .http()
          [method](path)
          .set('Content-Type', 'application/json')
          .set('Content-Encoding', encoding)
          .send(body);
        expect({ route: `${method} ${path}`, status: response.status, code: response.body.error?.code }).toEqual({
          route: `${method} ${path}`,
          status: 400,
          code: 'invalid_json',
        });
        expect(response.body.error.message).toMatch(/could not be decompressed/);
      }
    });

    it('is 400 with a code for an unknown Content-Encoding or charset', async () => {
      for (const [header, value] of [
        ['Content-Encoding', 'compress'],
        ['Content-Type', 'application/json; charset=klingon'],
      ]) {
        const response = await tenant
          .post('/v1/batches')
          .set('Content-Type', 'application/json')
          .set(header, value)
          .send('{}');
        expect(response.status).toBe(400);
        expect(response.body.error.code).toBe('validation_failed');
      }
    });
  });
});
