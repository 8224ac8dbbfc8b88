import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ApiClient } from './support/api-client';
import { overrideEnv } from './support/env';
import { startSystem, type TestSystem } from './support/test-system';

/** `npm run demo` against a running system, as a user runs it: its exit code and what it printed. */
async function runDemo(conduitUrl: string): Promise<{ code: number | null; output: string }> {
  const demo = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'scripts/demo.ts'],
    { cwd: join(__dirname, '..'), env: { ...process.env, CONDUIT_URL: conduitUrl }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  demo.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  demo.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(demo, 'exit')) as [number | null];
  return { code, output };
}

describe("a newcomer's first steps", () => {
  let restoreEnv: () => void;
  let system: TestSystem;

  beforeAll(async () => {
    // The demo's tenants are on the `demo` plan, one of the default plans (the test run sets its own).
    const plans = { demo: { platform_connections: true }, pro: { platform_connections: true } };
    restoreEnv = overrideEnv({ PLANS: JSON.stringify(plans) });
    system = await startSystem();
    await system.api.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await system.close();
    restoreEnv();
  });

  it('npm run demo shows a retry and a failover on every run', async () => {
    const url = `http://127.0.0.1:${(system.api.getHttpServer().address() as AddressInfo).port}`;
    for (let run = 1; run <= 2; run++) {
      const { code, output } = await runDemo(url);
      expect({ run, code }).toEqual({ run, code: 0 });
      // The primary fails each item's first call: extraction and summarization may retry it,
      // classification may not, and fails over to the backup.
      expect(output).toContain('invoice-2041 (extraction) → succeeded via mock primary after 1 failed call (retry)');
      expect(output).toContain(
        'ticket-881 (classification) → succeeded via mock backup after 1 failed call on mock primary (failover)',
      );
      expect(output).toContain(
        'ticket-882 (classification) → succeeded via mock backup after 1 failed call on mock primary (failover)',
      );
      expect(output).toContain(
        'release-notes (summarization) → succeeded via mock primary after 1 failed call (retry)',
      );
      // The classification results are the labels the texts are about.
      expect(output).toMatch(/"labels": \[\s*"billing"\s*\]/);
      expect(output).toMatch(/"labels": \[\s*"technical"\s*\]/);
    }
  });

  it("runs the README's JSON Lines example to the labels its texts are about", async () => {
    const tenant = await ApiClient.newTenant(system.http);
    await tenant.routeAll(await tenant.mockConnection());
    const lines = await readFile(join(__dirname, '..', 'examples', 'items.jsonl'), 'utf8');
    const submitted = await system
      .http()
      .post('/v1/batches?user=u-1')
      .set('Authorization', `Bearer ${tenant.key}`)
      .set('Content-Type', 'application/x-ndjson')
      .send(lines)
      .expect(202);
    const batch = await tenant.waitForBatch(submitted.body.id);
    expect(batch).toMatchObject({ status: 'completed', user: 'u-1', counts: { total: 3, succeeded: 3 } });
    const byId = Object.fromEntries((await tenant.items(submitted.body.id)).map((item) => [item.custom_id, item]));
    expect(byId['parcel-1'].result.labels).toEqual(['shipping']);
    expect(byId['invoice-7'].result.data).toEqual({ total: 99.9, currency: 'EUR' });
  });
});
