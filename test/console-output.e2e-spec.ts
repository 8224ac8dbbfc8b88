import { setTimeout as sleep } from 'node:timers/promises';
import { startApiProcess, type AppProcess } from './support/app-process';

/** Waits until the process's output satisfies `done`. */
async function waitForOutput(app: AppProcess, done: (output: string) => boolean): Promise<void> {
  for (let waited = 0; !done(app.output()); waited += 100) {
    if (waited > 10_000) throw new Error(`the output never showed what was expected:\n${app.output()}`);
    await sleep(100);
  }
}

describe('what the API prints', () => {
  const apps: AppProcess[] = [];

  afterEach(async () => {
    for (const app of apps.splice(0)) {
      app.child.kill('SIGTERM');
      await app.exited;
    }
  });

  it('in development, prints a short start-up log and then the demo key, last', async () => {
    const api = await startApiProcess({ NODE_ENV: 'development', DEMO_SEED: 'true', LOG_LEVEL: 'info' });
    apps.push(api);
    await waitForOutput(api, (output) => output.includes('Demo tenant API key'));
    expect((await fetch(`${api.url}/health/ready`)).status).toBe(200);
    await sleep(500); // anything still to come at start-up would be printed by now

    const lines = api.output().trim().split('\n');
    expect(lines.at(-1)).toMatch(/^ {2}Demo tenant API key \(shown this once\): cdt_[\w-]{43}$/);
    expect(lines.findIndex((line) => line.includes('API listening on'))).toBeGreaterThanOrEqual(0);
    // Which modules loaded and every route mapped are details for debug, not the start-up screen.
    expect(api.output()).not.toMatch(/Mapped \{|dependencies initialized/);
    expect(lines.length).toBeLessThan(10);
  });

  it('logs each request in one line: method, url, status, time and request id, never a header', async () => {
    const api = await startApiProcess();
    apps.push(api);
    const requestId = 'request-log-check';
    const response = await fetch(`${api.url}/v1/me?probe=1`, {
      headers: { Authorization: 'Bearer cdt_not-a-real-key', 'X-Request-Id': requestId, 'X-Custom': 'header-value' },
    });
    expect(response.status).toBe(401);

    const logged = () =>
      api
        .output()
        .split('\n')
        .filter((line) => line.includes(requestId));
    await waitForOutput(api, () => logged().some((line) => line.includes('request completed')));
    const line = logged().find((l) => l.includes('request completed')) as string;
    expect(JSON.parse(line)).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { id: requestId, method: 'GET', url: '/v1/me?probe=1' },
      res: { statusCode: 401 },
      responseTime: expect.any(Number),
    });
    expect(Object.keys(JSON.parse(line).req).sort()).toEqual(['id', 'method', 'url']);
    expect(Object.keys(JSON.parse(line).res)).toEqual(['statusCode']);
    for (const l of logged()) expect(l).not.toMatch(/headers|cdt_not-a-real-key|header-value|authorization/i);
  });
});
