import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { ApiClient } from './support/api-client';
import { startSystem, type TestSystem } from './support/test-system';

/** Debian's `chromium` package (`.ci/run` installs it); `npx playwright install` would need the internet. */
const CHROMIUM = '/usr/bin/chromium';
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost']);

/** Opens an operation, fills it in, runs it from the explorer, and reads the answer shown. */
async function execute(operation: Locator, fillIn?: () => Promise<void>) {
  if ((await operation.locator('.opblock-summary-control').getAttribute('aria-expanded')) !== 'true') {
    await operation.locator('.opblock-summary-control').click();
  }
  await operation.getByRole('button', { name: 'Try it out' }).click();
  await fillIn?.();
  await operation.getByRole('button', { name: 'Execute' }).click();
  const response = operation.locator('.live-responses-table .response');
  await response.waitFor();
  return {
    status: await response.locator('.response-col_status').innerText(),
    body: JSON.parse(await response.locator('.response-col_description pre').first().innerText()),
  };
}

describe('the API explorer at /docs, in a browser that may not leave localhost', () => {
  let system: TestSystem;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let origin: string;
  const blocked: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: apt-get install chromium`);
    system = await startSystem({ worker: false });
    await system.api.listen(0, '127.0.0.1');
    origin = `http://127.0.0.1:${(system.api.getHttpServer().address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    context = await browser.newContext();
    // Every request of every page: to this machine, or aborted and recorded.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (LOCAL_HOSTS.has(new URL(url).hostname)) return route.continue();
      blocked.push(url);
      return route.abort();
    });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
  });

  afterAll(async () => {
    await browser?.close();
    await system?.close();
  });

  it('renders every operation from local assets, with markdown descriptions and both forms of a batch', async () => {
    await page.goto(`${origin}/docs`);
    await page.locator('.swagger-ui .info .title', { hasText: 'Conduit API' }).waitFor();
    const { body: document } = await system.http().get('/docs-json').expect(200);
    const operations = Object.values<object>(document.paths).flatMap((methods) => Object.keys(methods));
    expect(await page.locator('.opblock').count()).toBe(operations.length);

    const submit = page.locator('.opblock-post', { has: page.locator('[data-path="/v1/batches"]') });
    await submit.locator('.opblock-summary-control').click();
    const description = submit.locator('.opblock-description');
    await description.locator('code', { hasText: 'validation_failed' }).first().waitFor();
    expect(await description.innerText()).not.toContain('`');
    expect(await page.locator('.swagger-ui .info').innerText()).not.toContain('`');

    // The JSON Lines form: its own content type, with the batch fields as query parameters.
    const bodyTypes = await submit.locator('.body-param-content-type select option').allInnerTexts();
    expect(bodyTypes).toEqual(expect.arrayContaining(['application/json', 'application/x-ndjson']));
    for (const name of ['webhook_url', 'user', 'metadata']) {
      await expect(submit.locator(`tr[data-param-name="${name}"][data-param-in="query"]`).count()).resolves.toBe(1);
    }
    expect(blocked).toEqual([]);
  });

  it('tries GET /v1/me and a JSON Lines upload against the running API with a tenant key', async () => {
    const tenant = await ApiClient.newTenant(system.http);
    const me = (await tenant.get('/v1/me').expect(200)).body;

    await page.locator('.swagger-ui .auth-wrapper .authorize').click();
    const apiKey = page.locator('.auth-container', { has: page.locator('h4', { hasText: /^apiKey/ }) });
    await apiKey.locator('input').fill(tenant.key);
    await apiKey.getByRole('button', { name: 'Apply credentials' }).click();
    await apiKey.getByRole('button', { name: 'Close' }).click();

    const getMe = await execute(page.locator('.opblock-get', { has: page.locator('[data-path="/v1/me"]') }));
    expect(getMe).toEqual({ status: '200', body: me });

    const submit = page.locator('.opblock-post', { has: page.locator('[data-path="/v1/batches"]') });
    const upload = await execute(submit, async () => {
      await submit.locator('.body-param-content-type select').selectOption('application/x-ndjson');
      await submit.locator('.opblock-section-request-body input[type=file]').setInputFiles({
        name: 'items.jsonl',
        mimeType: 'application/x-ndjson',
        buffer: Buffer.from('{"custom_id":"a","task":"summarization","input":{"text":"Hello there."}}\n'),
      });
      await submit.locator('tr[data-param-name="user"] input').fill('end-user-7');
    });
    expect(upload).toEqual({ status: '202', body: expect.objectContaining({ object: 'batch' }) });
    const batch = (await tenant.get(`/v1/batches/${upload.body.id}`).expect(200)).body;
    expect({ total: batch.counts.total, user: batch.user }).toEqual({ total: 1, user: 'end-user-7' });
    expect(blocked).toEqual([]);
  });

  it('would have caught a request off localhost', async () => {
    const answer = await page.evaluate(() =>
      fetch('https://example.com/').then(
        () => 'answered',
        () => 'failed',
      ),
    );
    expect(answer).toBe('failed');
    expect(blocked).toEqual(['https://example.com/']);
  });
});
