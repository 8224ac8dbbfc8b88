import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
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

describe('npm run demo', () => {
  let restoreEnv: () => void;
  let system: TestSystem;

  beforeAll(async () => {
    // The demo's tenants are on the `demo` plan, one of the default plans (the test run sets its own).
    restoreEnv = overrideEnv({ PLANS: JSON.stringify({ demo: { platform_connections: true } }) });
    system = await startSystem();
    await system.api.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await system.close();
    restoreEnv();
  });

  it('shows a retry and a failover on every run', async () => {
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
});
