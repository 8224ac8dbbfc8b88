// `npm run demo`: what a product backend does with Conduit, end to end, on the built-in mock provider.
// Uses a running system at CONDUIT_URL (default http://127.0.0.1:3000), or starts API and worker itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppConfig } from '@conduit/config';

const config = new AppConfig(process.env);
const baseUrl = process.env.CONDUIT_URL ?? `http://127.0.0.1:${config.http.port}`;
const children: ChildProcess[] = [];

async function call<T>(method: string, path: string, token: string, body?: unknown): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = (await response.json()) as T & { error?: { code: string; message: string } };
  if (!response.ok)
    throw new Error(`${method} ${path}: ${response.status} ${payload.error?.code}: ${payload.error?.message}`);
  return payload;
}

async function isUp(): Promise<boolean> {
  try {
    return (await fetch(`${baseUrl}/health/ready`)).ok;
  } catch {
    return false;
  }
}

async function ensureSystem(): Promise<void> {
  if (await isUp()) return console.log(`Using the Conduit API at ${baseUrl}`);
  console.log('No Conduit API is running: starting API and worker (migrations run on start)...');
  for (const main of ['apps/api/src/main.ts', 'apps/worker/src/main.ts']) {
    // Node itself, not `npm run`, so that stopping the child stops the app.
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', main],
      {
        env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', DEMO_SEED: 'false' },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    children.push(child);
  }
  for (let waited = 0; !(await isUp()); waited += 500) {
    if (waited > 90_000) throw new Error('the API did not become ready within 90 s');
    await sleep(500);
  }
}

const sampleItems = [
  {
    custom_id: 'invoice-2041',
    task: 'extraction',
    input: {
      text: 'Invoice number: INV-2041. Customer: Acme GmbH. Total: 1250.50 EUR. Due date: 2026-12-31.',
      schema: {
        type: 'object',
        properties: {
          invoice_number: { type: 'string' },
          customer: { type: 'string' },
          total: { type: 'number' },
          currency: { type: 'string', enum: ['EUR', 'USD', 'GBP'] },
          due_date: { type: 'string', format: 'date' },
        },
        required: ['invoice_number', 'total', 'currency'],
      },
    },
  },
  {
    custom_id: 'ticket-881',
    task: 'classification',
    input: {
      text: 'I was charged twice for my subscription this month and would like a refund.',
      labels: [
        { name: 'billing', description: 'payments, invoices, refunds' },
        { name: 'shipping', description: 'deliveries and returns' },
        { name: 'technical', description: 'bugs and outages' },
      ],
    },
  },
  {
    custom_id: 'ticket-882',
    task: 'classification',
    input: {
      text: 'The app crashes with a technical error whenever I open settings.',
      labels: ['billing', 'technical'],
    },
  },
  {
    custom_id: 'release-notes',
    task: 'summarization',
    input: {
      text: 'Conduit runs batches of AI tasks for product backends. Each tenant brings its own model providers. Workers route each task to the tenant’s provider with retries and failover. Every call and every token is recorded in Postgres, and operators watch the queues in Bull Board.',
      max_words: 40,
      style: 'bullets',
    },
  },
];

interface Item {
  custom_id: string;
  task: string;
  status: string;
  attempts: number;
  connection_id: string | null;
  result?: unknown;
  error?: { code: string; message: string };
  usage: { input_tokens: number; output_tokens: number };
}

/** What the calls before the answering one say: a retry on the primary, or a failover to the backup. */
function howItWent(item: Item, backupId: string): string {
  const failedCalls = item.status === 'succeeded' ? item.attempts - 1 : item.attempts;
  if (failedCalls === 0) return '';
  const calls = `${failedCalls} failed call${failedCalls === 1 ? '' : 's'}`;
  return item.connection_id === backupId ? ` after ${calls} on mock primary (failover)` : ` after ${calls} (retry)`;
}

async function main(): Promise<void> {
  await ensureSystem();
  const admin = config.auth.platformAdminToken;
  const tenant = await call<{ id: string; owner_api_key: string }>('POST', '/v1/admin/tenants', admin, {
    name: `demo-${new Date().toISOString()}`,
    plan: 'demo',
  });
  const key = tenant.owner_api_key;
  console.log(`Created tenant ${tenant.id}`);

  // The primary fails each item's first call (`fail_first`), every run: extraction and summarization
  // may retry it once, so their second call succeeds there; classification may not, so it fails over.
  const primary = await call<{ id: string }>('POST', '/v1/connections', key, {
    name: 'mock primary',
    kind: 'mock',
    settings: { latency_ms: 150, fail_first: 1, fail_with: 'server_error' },
  });
  const backup = await call<{ id: string }>('POST', '/v1/connections', key, {
    name: 'mock backup',
    kind: 'mock',
    settings: { latency_ms: 50 },
  });
  const connectionNames = new Map([
    [primary.id, 'mock primary'],
    [backup.id, 'mock backup'],
  ]);
  const primaryRetries = { extraction: 1, classification: 0, summarization: 1 };
  for (const [task, retries] of Object.entries(primaryRetries)) {
    await call('PUT', `/v1/routing/${task}`, key, {
      targets: [
        { connection_id: primary.id, model: 'mock-1', max_retries: retries },
        { connection_id: backup.id, model: 'mock-1' },
      ],
    });
  }
  console.log(
    'Connections: "mock primary" fails every item\'s first call; "mock backup" answers every call.\n' +
      'Routing: extraction and summarization may retry the primary once; classification fails over to the backup.',
  );

  const batch = await call<{ id: string }>('POST', '/v1/batches', key, {
    items: sampleItems,
    metadata: { source: 'npm run demo' },
  });
  console.log(`Submitted batch ${batch.id} with ${sampleItems.length} items; waiting for results...`);

  let status = '';
  let done: { status: string; usage: { input_tokens: number; output_tokens: number } } | undefined;
  for (let waited = 0; status !== 'completed'; waited += 250) {
    if (waited > 60_000) throw new Error(`the batch is still ${status} after 60 s: is a worker running?`);
    await sleep(250);
    done = await call('GET', `/v1/batches/${batch.id}`, key);
    status = done?.status ?? '';
  }

  const { data: items } = await call<{ data: Item[] }>('GET', `/v1/batches/${batch.id}/items`, key);
  const answeredBy = (item: Item) => connectionNames.get(item.connection_id ?? '') ?? 'no connection';
  console.log('\nResults');
  for (const item of items) {
    console.log(
      `\n  ${item.custom_id} (${item.task}) → ${item.status} via ${answeredBy(item)}${howItWent(item, backup.id)}`,
    );
    console.log(`    ${JSON.stringify(item.result ?? item.error, null, 2).replace(/\n/g, '\n    ')}`);
  }
  console.log('\nToken usage');
  console.table(
    items.map((i) => ({
      item: i.custom_id,
      status: i.status,
      calls: i.attempts,
      'answered by': answeredBy(i),
      input_tokens: i.usage.input_tokens,
      output_tokens: i.usage.output_tokens,
    })),
  );
  console.log(`Batch total: ${done?.usage.input_tokens} input + ${done?.usage.output_tokens} output tokens`);
}

main()
  .catch((error: unknown) => {
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const child of children) child.kill('SIGTERM');
  });
