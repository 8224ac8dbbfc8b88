// `npm run bench:overhead`: what Conduit's provider call path adds to one call. The same
// chat.completion request goes to one local OpenAI-compatible fake (a child process that answers a
// fixed body at once) three ways, one call at a time:
//   raw      undici.request straight to the fake (the floor);
//   Portkey  the same request through the Portkey gateway, started locally in front of the fake;
//   Conduit  TargetRunner.run, the worker's call path: breaker admission, limiter reservation, the
//            attempt row inserted before and completed after, the openai_compatible adapter over
//            EgressClient (egress guard, pinned connections), the answer checked against the task.
// Also timed: EgressClient.request and adapter.complete alone, and TargetRunner.run on a
// connection with rpm, tpm and concurrency limits set. Rounds are repeated and each path's quietest
// round (lowest p50) is reported. Then one instrumented pass says where Conduit's time goes, single
// steps are timed alone, and a what-if worker whose Postgres sessions commit asynchronously
// (synchronous_commit=off, not Conduit's configuration) shows what the attempt commits cost.
// Uses its own database and queue prefix, removed afterwards. Prints figures; asserts nothing.
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Agent, request } from 'undici';
import type { TargetCall } from '../libs/routing/src/target-runner';

const CALLS = Number(process.env.BENCH_CALLS ?? 2_000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Calls for the instrumented pass and for each step timed alone (after 50 warm-up calls). */
const STEP_CALLS = Number(process.env.BENCH_STEP_CALLS ?? 500);
const STEP_WARMUP = 50;
/** No round starts that would likely end after this many seconds of the run (slow, busy machines). */
const BUDGET_MS = Number(process.env.BENCH_BUDGET_S ?? 200) * 1000;
const MODEL = 'bench-model';
const API_KEY = 'sk-bench-overhead-0123456789abcdef';

const run = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const databaseUrl = new URL(adminUrl);
databaseUrl.pathname = `/conduit_bench_${run}`;
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `conduit-bench-${run}`;

Object.assign(process.env, {
  NODE_ENV: 'development',
  DATABASE_URL: databaseUrl.toString(),
  REDIS_URL: redisUrl,
  QUEUE_PREFIX: prefix,
  DB_MIGRATE: 'true',
  DEMO_SEED: 'false',
  LOG_LEVEL: 'error',
  API_RATE_LIMIT_PER_MINUTE: '0',
  // The fake listens on 127.0.0.1 over plain http, as in the e2e tests.
  EGRESS_ALLOW_HTTP: 'true',
  EGRESS_ALLOW_CIDRS: '127.0.0.1/32',
  // The worker's loops stay quiet while calls are timed (their first runs happen at start).
  FEEDER_INTERVAL_MS: '60000',
  RECONCILER_INTERVAL_MS: '3600000',
});

/** The fake's one answer: a valid chat.completion whose content passes the classification task's checks. */
const ANSWER = {
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: MODEL,
  choices: [{ index: 0, message: { role: 'assistant', content: '{"labels":["positive"]}' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 120, completion_tokens: 8, total_tokens: 128 },
};

// A separate process, so its work never shares the bench's event loop. It reads each body and
// answers the same bytes at once; `/__stats` says how many completions it served and the last body.
const FAKE_SOURCE = `
const http = require('node:http');
const answer = Buffer.from(${JSON.stringify(JSON.stringify(ANSWER))});
const models = Buffer.from(${JSON.stringify(JSON.stringify({ object: 'list', data: [{ id: MODEL, object: 'model' }] }))});
let count = 0;
let last = '';
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    let body = answer;
    if (req.method === 'POST' && req.url === '/v1/chat/completions') {
      count += 1;
      last = Buffer.concat(chunks).toString('utf8');
    } else if (req.method === 'GET' && req.url === '/v1/models') body = models;
    else if (req.method === 'GET' && req.url === '/__stats') body = Buffer.from(JSON.stringify({ count, last }));
    else return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 120000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
// Gone with the bench, however it ends: its stdin closes then.
process.stdin.on('end', () => process.exit(0)).resume();
`;

type Call = () => Promise<void>;
interface Figures {
  p50: number;
  p99: number;
  mean: number;
}

async function main(): Promise<void> {
  const children: ChildProcess[] = [];
  // Output piped into a reader that quits early (| head) must not skip the clean-up below.
  process.stdout.on('error', () => undefined);
  // Children end with the bench even if it dies without reaching its finally; Ctrl-C (or npm's
  // SIGTERM when its own output closes) still drops the database and the Redis keys.
  process.once('exit', () => children.forEach((child) => child.kill()));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
  }
  let api: INestApplication | undefined;
  let worker: INestApplicationContext | undefined;
  let asyncWorker: INestApplicationContext | undefined;
  try {
    const fake = await startFake(children);
    const portkey = await startPortkey(children);
    console.log(`run ${run} (database conduit_bench_${run}); fake provider ${fake.url}, Portkey gateway ${portkey}`);

    // Imported after the environment is set: the apps read it when they boot.
    const { createApiApp } = await import('../apps/api/src/main');
    const { createWorkerApp } = await import('../apps/worker/src/main');
    const { AppConfig } = await import('@conduit/config');
    const { AttemptRecorder, PriceTable } = await import('@conduit/accounting');
    const { EgressClient } = await import('@conduit/egress');
    const { ConnectionResolver, ConnectionSecrets, ProviderRegistry } = await import('@conduit/providers');
    const { REDIS } = await import('@conduit/redis');
    const { CircuitBreaker, ProviderLimiter } = await import('@conduit/routing');
    const { getTask } = await import('@conduit/tasks');
    // Not exported by @conduit/routing (RouteExecutor's helper): the instance the worker's executor uses.
    const { TargetRunner } = await import('../libs/routing/src/target-runner');

    // Set up through the API, as a tenant admin would: tenant, two connections, a policy, one item.
    api = await createApiApp();
    await api.listen(0, '127.0.0.1');
    worker = await createWorkerApp();
    await worker.init();
    const base = `http://127.0.0.1:${(api.getHttpServer().address() as AddressInfo).port}`;
    const tenant = await call(base, 'POST', '/v1/admin/tenants', api.get(AppConfig).auth.platformAdminToken, {
      name: 'bench',
      plan: 'pro',
    });
    const key = tenant.owner_api_key as string;
    const connectionIds: string[] = [];
    for (const limits of [undefined, { rpm: 1_000_000, tpm: 1_000_000_000, max_concurrency: 1_000 }]) {
      const created = await call(base, 'POST', '/v1/connections', key, {
        name: limits ? 'fake-limited' : 'fake',
        kind: 'openai_compatible',
        base_url: `${fake.url}/v1`,
        api_key: API_KEY,
        ...(limits ? { limits } : {}),
      });
      const tested = await call(base, 'POST', `/v1/connections/${created.id as string}/test`, key);
      if (tested.ok !== true) throw new Error(`the connection test failed: ${JSON.stringify(tested)}`);
      connectionIds.push(created.id as string);
    }
    await call(base, 'PUT', '/v1/routing/classification', key, {
      targets: [{ connection_id: connectionIds[0], model: MODEL }],
    });
    const input = { text: 'Great product, it works as promised.', labels: ['positive', 'negative'] };
    const batch = await call(base, 'POST', '/v1/batches', key, {
      items: [{ custom_id: 'overhead-1', task: 'classification', input }],
    });
    const batchId = batch.id as string;
    const item = await waitForItem(base, key, batchId);
    if (item.status !== 'succeeded') throw new Error(`the worker's run of the item failed: ${JSON.stringify(item)}`);
    await api.close(); // not part of the call path
    api = undefined;
    // The what-if: a second worker whose sessions commit without waiting for the WAL flush.
    const asyncUrl = new URL(databaseUrl);
    asyncUrl.searchParams.set('options', '-c synchronous_commit=off');
    process.env.DATABASE_URL = asyncUrl.toString();
    asyncWorker = await createWorkerApp();
    await asyncWorker.init();
    process.env.DATABASE_URL = databaseUrl.toString();

    const runner = worker.get(TargetRunner);
    const resolver = worker.get(ConnectionResolver);
    const registry = worker.get(ProviderRegistry);
    const egress = worker.get(EgressClient);
    const task = getTask('classification');
    const adapter = registry.get('openai_compatible');
    if (!task || !adapter) throw new Error('classification task or openai_compatible adapter missing');
    const plan = worker.get(AppConfig).tenancy.plans.get('pro');
    const prompt = task.buildPrompt(input);
    const targetCalls: TargetCall[] = [];
    for (const connectionId of connectionIds) {
      // As RouteExecutor does per target: resolve (row read, secrets opened), then the request.
      const resolved = await resolver.resolveForCall(tenant.id as string, connectionId, !!plan?.platform_connections);
      if (!resolved.usable) throw new Error(resolved.reason);
      targetCalls.push({
        job: { tenantId: tenant.id as string, batchId, itemId: item.id as string, task, input },
        target: { connection_id: connectionId, model: MODEL },
        targetIndex: 0,
        connection: resolved.connection,
        limits: resolved.limits,
        adapter,
        request: {
          ...prompt,
          model: MODEL,
          temperature: 0,
          maxOutputTokens: prompt.maxOutputTokens,
          task: { kind: task.kind, input },
        },
      });
    }

    const conduit = (targetCall: TargetCall, by = runner): Call => {
      return async () => {
        const outcome = await by.run(targetCall);
        if (!outcome.ok) throw new Error(`TargetRunner.run failed: ${JSON.stringify(outcome)}`);
      };
    };
    // The exact bytes and headers Conduit's adapter sends: the other paths send the same.
    await conduit(targetCalls[0])();
    const body = (await fakeStats(fake.url)).last;
    const headers = {
      accept: 'application/json',
      authorization: `Bearer ${API_KEY}`,
      'content-type': 'application/json',
    };
    const chatUrl = `${fake.url}/v1/chat/completions`;
    const agent = new Agent();
    const portkeyAgent = new Agent();
    const portkeyHeaders = { ...headers, 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${fake.url}/v1` };

    const paths: { name: string; call: Call }[] = [
      {
        name: 'raw undici',
        call: async () => {
          const res = await request(chatUrl, { method: 'POST', headers, body, dispatcher: agent });
          expectAnswer(res.statusCode, await res.body.json());
        },
      },
      {
        name: 'Portkey gateway',
        call: async () => {
          const res = await request(`${portkey}/v1/chat/completions`, {
            method: 'POST',
            headers: portkeyHeaders,
            body,
            dispatcher: portkeyAgent,
          });
          expectAnswer(res.statusCode, await res.body.json());
        },
      },
      {
        name: 'EgressClient.request',
        call: async () => {
          const res = await egress.request({ url: chatUrl, method: 'POST', headers, body, signal: undefined });
          expectAnswer(res.status, JSON.parse(res.body.toString('utf8')));
        },
      },
      {
        name: 'adapter.complete',
        call: async () => {
          const result = await adapter.complete(targetCalls[0].connection, targetCalls[0].request, {
            signal: AbortSignal.timeout(60_000),
            itemId: item.id as string,
            callNumber: 1,
          });
          if (result.text !== ANSWER.choices[0].message.content) throw new Error('adapter: unexpected answer');
        },
      },
      { name: 'Conduit TargetRunner.run', call: conduit(targetCalls[0]) },
      { name: 'Conduit, limits set', call: conduit(targetCalls[1]) },
      { name: 'what-if: async commit', call: conduit(targetCalls[0], asyncWorker.get(TargetRunner)) },
    ];

    // Portkey really proxies: the fake counts the request and the answer is the fake's own.
    const before = (await fakeStats(fake.url)).count;
    await paths[1].call();
    const after = await fakeStats(fake.url);
    if (after.count !== before + 1) throw new Error('the Portkey gateway did not reach the fake');
    const forwarded = isDeepStrictEqual(JSON.parse(after.last), JSON.parse(body));
    console.log(
      `Portkey proxies to the fake: answer identical, body forwarded ${forwarded ? 'unchanged' : 'with changes'}`,
    );

    console.log(
      `\nUp to ${ROUNDS} rounds (${BUDGET_MS / 1000} s budget); each path: ${WARMUP} warm-up calls, ` +
        `then ${CALLS} timed calls, one at a time`,
    );
    const database = worker.get(DataSource);
    const attemptRows = async () =>
      ((await database.query('SELECT count(*)::int AS n FROM attempts')) as { n: number }[])[0].n;
    const results = new Map<string, Figures[]>(paths.map((p) => [p.name, []]));
    let rounds = 0;
    let roundMs = 0;
    for (let round = 0; round < ROUNDS; round++) {
      if (round > 0 && performance.now() + roundMs > BUDGET_MS) {
        console.log(`(stopping after ${round} rounds: another would pass the ${BUDGET_MS / 1000} s budget)`);
        break;
      }
      const roundStarted = performance.now();
      // Rotate the order, so no path always runs first or right after the same neighbour.
      const order = paths.map((_, i) => paths[(i + round) % paths.length]);
      for (const path of order) {
        const served = (await fakeStats(fake.url)).count;
        for (let i = 0; i < WARMUP; i++) await path.call();
        const figures = figuresOf(await timed(CALLS, path.call));
        const reached = (await fakeStats(fake.url)).count - served;
        if (reached !== WARMUP + CALLS) throw new Error(`${path.name}: the fake served ${reached} calls`);
        results.get(path.name)?.push(figures);
      }
      console.log(
        `round ${round + 1}: ${paths.map((p) => `${p.name} ${fmt(results.get(p.name)?.[round].p50)}`).join(', ')} (p50 ms; ${await attemptRows()} attempt rows)`,
      );
      rounds += 1;
      roundMs = performance.now() - roundStarted;
    }

    const best = (name: string) =>
      (results.get(name) ?? []).reduce((a, b) => (b.p50 < a.p50 ? b : a), { p50: Infinity, p99: 0, mean: 0 });
    const raw = best('raw undici');
    console.log(`\nQuietest round per path (ms):`);
    console.log(`${'path'.padEnd(28)}${'p50'.padStart(9)}${'p99'.padStart(9)}${'mean'.padStart(9)}  added p50`);
    for (const path of paths) {
      const f = best(path.name);
      const added = path.name === 'raw undici' ? '' : `  ${fmt(f.p50 - raw.p50)}`;
      console.log(
        `${path.name.padEnd(28)}${fmt(f.p50).padStart(9)}${fmt(f.p99).padStart(9)}${fmt(f.mean).padStart(9)}${added}`,
      );
    }
    const conduitAdded = best('Conduit TargetRunner.run').p50 - raw.p50;
    const portkeyAdded = best('Portkey gateway').p50 - raw.p50;
    console.log(
      `\nConduit adds ${fmt(conduitAdded)} ms at p50, the Portkey hop ${fmt(portkeyAdded)} ms: target ` +
        `(Conduit's added p50 below Portkey's) ${conduitAdded < portkeyAdded ? 'MET' : 'NOT MET'}`,
    );
    const perRound = (results.get('Conduit TargetRunner.run') ?? []).map((c, i) => {
      const r = results.get('raw undici')?.[i].p50 ?? 0;
      return `${fmt(c.p50 - r)} vs ${fmt((results.get('Portkey gateway')?.[i].p50 ?? 0) - r)}`;
    });
    console.log(`added p50 per round, Conduit vs Portkey: ${perRound.join('; ')}`);

    // Where Conduit's time goes: the same calls, with every step of the path timed in place.
    const redis = worker.get<IORedis>(REDIS);
    const recorder = worker.get(AttemptRecorder);
    const profiler = new Profiler();
    const restore = [
      profiler.wrap(worker.get(CircuitBreaker), 'admit', 'breaker.admit'),
      profiler.wrap(worker.get(CircuitBreaker), 'recordSuccess', 'breaker.recordSuccess'),
      profiler.wrap(worker.get(ProviderLimiter), 'acquire', 'limiter.acquire'),
      profiler.wrap(worker.get(ProviderLimiter), 'settle', 'limiter.settle'),
      profiler.wrap(recorder, 'start', 'attempts.start'),
      profiler.wrap(recorder, 'finish', 'attempts.finish'),
      profiler.wrap(worker.get(PriceTable), 'costOf', '  price lookup (cached)'),
      profiler.wrap(adapter, 'complete', 'adapter.complete'),
      profiler.wrap(egress, 'request', '  EgressClient.request'),
      profiler.wrap(redis, 'sendCommand', 'redis', (args) => `redis ${(args[0] as { name: string }).name}`),
      profiler.wrap(Client.prototype, 'query', 'pg', (args) => `pg ${sqlVerb(args[0])}`),
    ];
    const profiles: string[] = [];
    try {
      for (const [index, targetCall] of targetCalls.entries()) {
        const fn = conduit(targetCall);
        for (let i = 0; i < STEP_WARMUP; i++) await fn();
        profiler.start();
        await timed(STEP_CALLS, async () => {
          profiler.begin();
          const started = performance.now();
          await fn();
          profiler.end(performance.now() - started);
        });
        profiles.push(profiler.report(index === 0 ? 'TargetRunner.run' : 'TargetRunner.run, limits set'));
      }
    } finally {
      for (const undo of restore) undo();
    }
    console.log(`\n${profiles.join('\n\n')}`);

    const pg = new Client({ connectionString: databaseUrl.toString() });
    await pg.connect();
    try {
      // Every Conduit call left its attempt row, completed: 1 by the worker, 1 for the body, 3 paths
      // per round, then the instrumented pass, each with its warm-up.
      const expected = 2 + 3 * rounds * (WARMUP + CALLS) + 2 * (STEP_WARMUP + STEP_CALLS);
      const counted = await pg.query<{ n: string; other: string }>(
        `SELECT count(*) AS n, count(*) FILTER (WHERE outcome <> 'success') AS other FROM attempts WHERE item_id = $1`,
        [item.id],
      );
      const { n, other } = counted.rows[0];
      console.log(`\nattempt rows: ${n} (expected ${expected}), not completed as success: ${other}`);

      // Single steps alone. The first two run once per item (RouteExecutor), outside TargetRunner.run.
      const secrets = worker.get(ConnectionSecrets);
      const [entity] = (
        await pg.query<{ id: string; secret_ciphertext: string }>(
          'SELECT id, secret_ciphertext FROM provider_connections WHERE id = $1',
          [connectionIds[0]],
        )
      ).rows;
      const start = {
        tenantId: tenant.id as string,
        batchId,
        itemId: item.id as string,
        connectionId: connectionIds[0],
        providerKind: 'openai_compatible',
        model: 'probe',
        targetIndex: 0,
        callNumber: 1,
      };
      const probeId = await recorder.start(start);
      const probeArgs = [tenant.id, batchId, item.id, connectionIds[0]];
      const steps: [string, Call][] = [
        [
          'ConnectionResolver.resolveForCall (SELECT + open)',
          async () => void (await resolver.resolveForCall(tenant.id as string, connectionIds[0], false)),
        ],
        [
          'ConnectionSecrets.open (AES-256-GCM, 2 fields)',
          async () => void secrets.open(entity.id, entity.secret_ciphertext),
        ],
        ['Redis PING', async () => void (await redis.ping())],
        ['pg SELECT 1 (raw pg client)', async () => void (await pg.query('SELECT 1'))],
        ["AttemptRecorder.start (the worker's INSERT)", async () => void (await recorder.start(start))],
        [
          "AttemptRecorder.finish (the worker's UPDATE)",
          () => recorder.finish(start.tenantId, probeId, { outcome: 'probe', latencyMs: 1 }),
        ],
        ['INSERT … VALUES, raw pg client', async () => void (await pg.query(PROBE_INSERT, probeArgs))],
        ['UPDATE … WHERE id = $1, raw pg client', async () => void (await pg.query(PROBE_UPDATE, [probeId]))],
      ];
      console.log(`\nSingle steps alone, ${STEP_CALLS} calls each, one at a time (ms):`);
      const timeStep = async (name: string, fn: Call) => {
        for (let i = 0; i < STEP_WARMUP; i++) await fn();
        const f = figuresOf(await timed(STEP_CALLS, fn));
        console.log(`  ${name.padEnd(58)} p50 ${fmt(f.p50)}  p99 ${fmt(f.p99)}`);
      };
      for (const [name, fn] of steps) await timeStep(name, fn);
      // The same statements when the commit does not wait for the WAL flush.
      await pg.query('SET synchronous_commit = off');
      await timeStep('INSERT … VALUES, raw pg, synchronous_commit=off', async () => {
        await pg.query(PROBE_INSERT, probeArgs);
      });
      await timeStep('UPDATE … WHERE id = $1, raw pg, synchronous_commit=off', async () => {
        await pg.query(PROBE_UPDATE, [probeId]);
      });
    } finally {
      await pg.end();
    }
    await agent.close();
    await portkeyAgent.close();
  } finally {
    await api?.close();
    await asyncWorker?.close();
    await worker?.close();
    for (const child of children) child.kill();
    await cleanUp();
  }
}

const PROBE_INSERT = `INSERT INTO attempts (tenant_id, batch_id, item_id, connection_id, provider_kind, model,
  target_index, call_number, outcome, latency_ms) VALUES ($1, $2, $3, $4, 'openai_compatible', 'probe', 0, 1, 'probe', 0)`;
const PROBE_UPDATE = `UPDATE attempts SET latency_ms = latency_ms + 1 WHERE id = $1`;

/** Per-step timings of calls made while the wrappers are in place: sums per call, counts per call. */
class Profiler {
  private current?: Map<string, { ms: number; n: number }>;
  private calls: { total: number; steps: Map<string, { ms: number; n: number }> }[] = [];

  /** Times every call of `object[method]` as `step` (or a name made from its arguments); returns the undo. */
  wrap(object: object, method: string, step: string, name?: (args: unknown[]) => string): () => void {
    const target = object as Record<string, unknown>;
    const own = Object.prototype.hasOwnProperty.call(target, method);
    const original = target[method] as (...args: unknown[]) => unknown;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const profiler = this;
    target[method] = function (this: unknown, ...args: unknown[]) {
      const started = performance.now();
      const result = original.apply(this, args);
      if (!(result instanceof Promise) || !profiler.current) return result;
      const label = name ? name(args) : step;
      const record = () => profiler.add(label, performance.now() - started);
      result.then(record, record);
      return result;
    };
    return () => {
      if (own) target[method] = original;
      else delete target[method];
    };
  }

  start(): void {
    this.calls = [];
  }

  begin(): void {
    this.current = new Map();
  }

  end(total: number): void {
    if (this.current) this.calls.push({ total, steps: this.current });
    this.current = undefined;
  }

  report(title: string): string {
    const steps = [...new Set(this.calls.flatMap((c) => [...c.steps.keys()]))];
    const totals = figuresOf(this.calls.map((c) => c.total));
    const lines = [
      `Where the time goes: ${title}, ${this.calls.length} calls (ms per call; p50 and mean; n = times per call)`,
      `  ${'whole call'.padEnd(30)} p50 ${fmt(totals.p50)}  mean ${fmt(totals.mean)}`,
    ];
    const top = ['breaker.admit', 'limiter.acquire', 'attempts.start', 'adapter.complete', 'attempts.finish'];
    const order = [...top, 'breaker.recordSuccess', 'limiter.settle'];
    const ordered = [
      ...order.filter((s) => steps.includes(s)),
      ...steps.filter((s) => !order.includes(s) && !s.startsWith('redis') && !s.startsWith('pg')),
      ...steps.filter((s) => s.startsWith('redis') || s.startsWith('pg')).sort(),
    ];
    let accounted = 0;
    for (const step of ordered) {
      const per = this.calls.map((c) => c.steps.get(step) ?? { ms: 0, n: 0 });
      const f = figuresOf(per.map((p) => p.ms));
      const n = per.reduce((sum, p) => sum + p.n, 0) / per.length;
      if (order.includes(step)) accounted += f.mean;
      lines.push(`  ${step.padEnd(30)} p50 ${fmt(f.p50)}  mean ${fmt(f.mean)}  n ${n.toFixed(2)}`);
    }
    lines.push(
      `  ${'TargetRunner itself (rest)'.padEnd(30)} mean ${fmt(totals.mean - accounted)}  (judging, metrics, signal)`,
    );
    return lines.join('\n');
  }

  private add(step: string, ms: number): void {
    const entry = this.current?.get(step);
    if (entry) {
      entry.ms += ms;
      entry.n += 1;
    } else this.current?.set(step, { ms, n: 1 });
  }
}

function sqlVerb(query: unknown): string {
  const text = typeof query === 'string' ? query : ((query as { text?: string })?.text ?? '');
  return text.trim().split(/\s+/)[0]?.toUpperCase() ?? '?';
}

async function timed(calls: number, fn: Call): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  return samples;
}

function figuresOf(samples: number[]): Figures {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  return { p50: at(50), p99: at(99), mean: sorted.reduce((a, b) => a + b, 0) / sorted.length };
}

function fmt(ms: number | undefined): string {
  return ms === undefined ? '-' : ms.toFixed(3);
}

function expectAnswer(status: number, answer: unknown): void {
  if (status !== 200 || !isDeepStrictEqual(answer, ANSWER)) {
    throw new Error(`not the fake's answer (HTTP ${status}): ${JSON.stringify(answer).slice(0, 300)}`);
  }
}

async function startFake(children: ChildProcess[]): Promise<{ url: string }> {
  const child = spawn(process.execPath, ['-e', FAKE_SOURCE], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  const port = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the fake exited (${code})`)));
    child.stdout?.once('data', (data: Buffer) => resolve(data.toString().trim()));
  });
  return { url: `http://127.0.0.1:${port}` };
}

async function fakeStats(url: string): Promise<{ count: number; last: string }> {
  const res = await request(`${url}/__stats`);
  return (await res.body.json()) as { count: number; last: string };
}

/** The gateway's own Node server (`--port`, `--headless`: no UI), on a free port; ready once `/` answers. */
async function startPortkey(children: ChildProcess[]): Promise<string> {
  const port = await freePort();
  const entry = require.resolve('@portkey-ai/gateway/build/start-server.js');
  const child = spawn(process.execPath, [entry, `--port=${port}`, '--headless'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production' },
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr?.on('data', (data: Buffer) => (output += data.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(100)) {
    if (child.exitCode !== null) break;
    try {
      const res = await request(`${url}/`);
      const text = await res.body.text();
      if (res.statusCode === 200 && text.includes('Gateway')) return url;
    } catch {
      // not listening yet
    }
  }
  throw new Error(`the Portkey gateway did not start: ${output.slice(-500)}`);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function call(
  base: string,
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

async function waitForItem(base: string, key: string, batchId: string): Promise<Record<string, unknown>> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(100)) {
    const batch = await call(base, 'GET', `/v1/batches/${batchId}`, key);
    if (batch.status === 'completed') {
      const items = await call(base, 'GET', `/v1/batches/${batchId}/items`, key);
      return (items.data as Record<string, unknown>[])[0];
    }
  }
  throw new Error('the worker did not finish the batch within 30 s');
}

/** Drops the run's database and deletes its Redis keys. */
async function cleanUp(): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS "conduit_bench_${run}" WITH (FORCE)`);
  await client.end();
  const redis = new IORedis(redisUrl);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
