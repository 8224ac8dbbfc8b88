// `npm run bench:overhead`: what Conduit's provider call path adds to one call. The same
// chat.completion request goes to a local OpenAI-compatible fake that answers at once
// (support/fake-openai, latency 0), one call at a time, along six paths:
//   raw undici                straight to the fake (the floor);
//   Portkey gateway           through the Portkey gateway, started locally in front of the fake;
//   EgressClient.request      Conduit's one way out (egress guard, pinned connections);
//   adapter.complete          the openai_compatible adapter over EgressClient;
//   Conduit TargetRunner.run  the worker's call path: breaker admission, limiter reservation, the
//                             attempt row inserted before and completed after (the worker writes
//                             the completion with the item's result; here on its own), the
//                             adapter, the answer checked against the task;
//   Conduit, limits set       the same on a connection with rpm, tpm and concurrency limits.
// Rounds are repeated (the order rotates) and each path's quietest round (lowest p50) is reported,
// with what it adds to raw undici at p50. Then one instrumented pass per connection says where a
// Conduit call's time goes, and every Conduit call is checked to have left a completed attempt row.
// Knobs: BENCH_CALLS (2,000), BENCH_WARMUP (200), BENCH_ROUNDS (3), BENCH_STEP_CALLS (500),
// BENCH_BUDGET_S (150: no round starts that would likely end later).
import { benchDatabase, onCleanUp, runBench, startApi, waitFor } from './support/bench-system';
import { AttemptRecorder, PriceTable } from '@conduit/accounting';
import { AttemptRepository } from '@conduit/db';
import type { EgressRequest } from '@conduit/egress';
import { EgressClient } from '@conduit/egress';
import { REDIS } from '@conduit/redis';
import { CircuitBreaker, ProviderLimiter } from '@conduit/routing';
import type IORedis from 'ioredis';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { Client } from 'pg';
import { Agent, request, type Dispatcher } from 'undici';
import { createWorkerApp } from '../apps/worker/src/main';
// Not exported by @conduit/routing (RouteExecutor's helper): the instance the worker's executor uses.
import { TargetRunner, type TargetCall } from '../libs/routing/src/target-runner';
import { FAKE_ANSWER, FAKE_MODEL, startFakeOpenAi } from './support/fake-openai';
import { mean, summary } from './support/stats';

const CALLS = Number(process.env.BENCH_CALLS ?? 2_000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const STEP_CALLS = Number(process.env.BENCH_STEP_CALLS ?? 500);
const STEP_WARMUP = 50;
const BUDGET_MS = Number(process.env.BENCH_BUDGET_S ?? 150) * 1000;
const LIMITS = { rpm: 1_000_000, tpm: 1_000_000_000, max_concurrency: 1_000 };

Object.assign(process.env, {
  // The fake listens on 127.0.0.1 over plain http, refused by default: allowed for this run only.
  EGRESS_ALLOW_HTTP: 'true',
  EGRESS_ALLOW_CIDRS: '127.0.0.1/32',
  LOG_LEVEL: 'error', // not the warnings that say so
  // The worker's loops stay quiet while calls are timed (their first runs happen at start).
  FEEDER_INTERVAL_MS: '60000',
  RECONCILER_INTERVAL_MS: '3600000',
});

type Call = () => Promise<void>;

runBench('overhead', async () => {
  // Setup: the fake, the gateway, the API and a worker in this process. Two tenants (one per
  // connection: without and with limits) each submit one item; the worker's TargetRunner.run call
  // and the request it puts on the wire are kept, to be made again and again below.
  const fake = await startFakeOpenAi(0);
  onCleanUp(() => fake.close());
  const portkey = await startPortkey();
  console.log(`fake provider ${fake.url}, Portkey gateway ${portkey}`);
  const api = await startApi();
  const worker = await createWorkerApp();
  onCleanUp(() => worker.close());
  const runner = worker.get(TargetRunner);
  const egress = worker.get(EgressClient);
  const targetCalls: TargetCall[] = [];
  const sent: EgressRequest[] = [];
  const unwrap = [
    wrap(runner, 'run', ([targetCall], run) => (targetCalls.push(targetCall as TargetCall), run())),
    wrap(egress, 'request', ([req], send) => (sent.push({ ...(req as EgressRequest), signal: undefined }), send())),
  ];
  for (const limits of [undefined, LIMITS]) {
    const name = limits ? 'fake, limits set' : 'fake';
    const connection = { name, kind: 'openai_compatible', base_url: `${fake.url}/v1`, api_key: 'sk-bench', limits };
    const { key } = await api.tenant(name, { route: { task: 'summarization', model: FAKE_MODEL, connection } });
    const item = { custom_id: 'overhead', task: 'summarization', input: { text: 'It works as promised.' } };
    const batchId = await api.upload(key, JSON.stringify(item));
    await waitFor(async () => (await api.batch(key, batchId)).status === 'completed', 100, 30_000);
    const { counts } = await api.batch(key, batchId);
    if (counts.succeeded !== 1) throw new Error(`the worker's run of the item failed: ${JSON.stringify(counts)}`);
  }
  unwrap.forEach((undo) => undo());
  await api.close(); // not part of the call path
  const [plain, limited] = targetCalls;
  const [wire] = sent;
  if (targetCalls.length !== 2 || sent.length !== 2) throw new Error('expected one provider call per item');

  const agents = [new Agent(), new Agent()];
  onCleanUp(() => Promise.all(agents.map((agent) => agent.close())));
  const viaUndici = (url: string, headers: Record<string, string>, dispatcher: Dispatcher) => async () => {
    const res = await request(url, { method: 'POST', headers, body: wire.body, dispatcher });
    expectAnswer(res.statusCode, await res.body.json());
  };
  const recorder = worker.get(AttemptRecorder);
  const attempts = worker.get(AttemptRepository);
  const conduit = (targetCall: TargetCall) => async () => {
    const outcome = await runner.run(targetCall);
    if (!outcome.ok) throw new Error(`TargetRunner.run failed: ${JSON.stringify(outcome)}`);
    // The worker writes a success's completion with the item's result; the call path includes it.
    await attempts.complete(targetCall.job.tenantId, [outcome.attempt]);
  };
  const viaEgress = async () => {
    const res = await egress.request(wire);
    expectAnswer(res.status, JSON.parse(res.body.toString('utf8')));
  };
  const viaAdapter = async () => {
    const options = { signal: AbortSignal.timeout(60_000), itemId: plain.job.itemId, callNumber: 1 };
    const result = await plain.adapter.complete(plain.connection, plain.request, options);
    if (result.text !== FAKE_ANSWER.choices[0].message.content) throw new Error('adapter: unexpected answer');
  };
  const portkeyHeaders = { ...wire.headers, 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${fake.url}/v1` };
  const paths: [string, Call][] = [
    ['raw undici', viaUndici(wire.url, { ...wire.headers }, agents[0])],
    ['Portkey gateway', viaUndici(`${portkey}/v1/chat/completions`, portkeyHeaders, agents[1])],
    ['EgressClient.request', viaEgress],
    ['adapter.complete', viaAdapter],
    ['Conduit TargetRunner.run', conduit(plain)],
    ['Conduit, limits set', conduit(limited)],
  ];

  // Measurement: rounds of every path, each warmed up, then timed; the fake must see every call.
  console.log(
    `\nUp to ${ROUNDS} rounds (${BUDGET_MS / 1000} s budget); each path: ${WARMUP} warm-up calls, ` +
      `then ${CALLS} timed calls, one at a time`,
  );
  const db = await benchDatabase();
  const attemptRows = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM attempts')).rows[0].n;
  const results = new Map(paths.map(([name]) => [name, [] as ReturnType<typeof figuresOf>[]]));
  const figures = (name: string) => results.get(name) ?? [];
  let rounds = 0;
  for (let roundMs = 0; rounds < ROUNDS; rounds++) {
    if (rounds > 0 && performance.now() + roundMs > BUDGET_MS) {
      console.log(`(stopping after ${rounds} rounds: another would pass the ${BUDGET_MS / 1000} s budget)`);
      break;
    }
    const started = performance.now();
    // Rotate the order, so no path always runs first or right after the same neighbour.
    for (let i = 0; i < paths.length; i++) {
      const [name, call] = paths[(i + rounds) % paths.length];
      const served = (await fake.stats()).calls;
      await timed(WARMUP, call);
      figures(name).push(figuresOf(await timed(CALLS, call)));
      const reached = (await fake.stats()).calls - served;
      if (reached !== WARMUP + CALLS) throw new Error(`${name}: the fake served ${reached} calls`);
    }
    const p50s = paths.map(([name]) => `${name} ${fmt(figures(name)[rounds].p50)}`).join(', ');
    console.log(`round ${rounds + 1}: ${p50s} (p50 ms; ${await attemptRows()} attempt rows)`);
    roundMs = performance.now() - started;
  }

  // Where a Conduit call's time goes: the same calls, with every step of the path timed in place.
  const steps: Step[] = [
    [worker.get(CircuitBreaker), 'admit', 'breaker.admit'],
    [worker.get(ProviderLimiter), 'acquire', 'limiter.acquire'],
    [recorder, 'start', 'attempts.start'],
    [plain.adapter, 'complete', 'adapter.complete'],
    [attempts, 'complete', 'attempts.complete'],
    [worker.get(CircuitBreaker), 'recordSuccess', 'breaker.recordSuccess'],
    [worker.get(ProviderLimiter), 'settle', 'limiter.settle'],
    [worker.get(PriceTable), 'costOf', '  price lookup (cached)'],
    [egress, 'request', '  EgressClient.request'],
    [worker.get<IORedis>(REDIS), 'sendCommand', ([command]) => `redis ${(command as { name: string }).name}`],
    [Client.prototype, 'query', ([query]) => `pg ${sqlVerb(query)}`],
  ];
  const profiles = [
    await profile('TargetRunner.run', conduit(plain), steps),
    await profile('TargetRunner.run, limits set', conduit(limited), steps),
  ];

  // The figures.
  const best = (name: string) => figures(name).reduce((a, b) => (b.p50 < a.p50 ? b : a));
  const raw = best('raw undici');
  console.log(`\nQuietest round per path (ms):`);
  console.log(`${'path'.padEnd(28)}${'p50'.padStart(9)}${'p99'.padStart(9)}${'mean'.padStart(9)}  added p50`);
  for (const [name] of paths) {
    const f = best(name);
    const added = name === 'raw undici' ? '' : `  ${fmt(f.p50 - raw.p50)}`;
    console.log(`${name.padEnd(28)}${[f.p50, f.p99, f.mean].map((v) => fmt(v).padStart(9)).join('')}${added}`);
  }
  const conduitAdded = best('Conduit TargetRunner.run').p50 - raw.p50;
  const portkeyAdded = best('Portkey gateway').p50 - raw.p50;
  console.log(
    `\nConduit adds ${fmt(conduitAdded)} ms at p50, the Portkey hop ${fmt(portkeyAdded)} ms: target ` +
      `(Conduit's added p50 below Portkey's) ${conduitAdded < portkeyAdded ? 'MET' : 'NOT MET'}`,
  );
  const perRound = figures('raw undici').map((r, i) => {
    const added = (name: string) => fmt(figures(name)[i].p50 - r.p50);
    return `${added('Conduit TargetRunner.run')} vs ${added('Portkey gateway')}`;
  });
  console.log(`added p50 per round, Conduit vs Portkey: ${perRound.join('; ')}`);
  console.log(`\n${profiles.join('\n\n')}`);

  // Every Conduit call left its attempt row, completed: one per item by the worker, then two paths
  // per round and the two instrumented passes, each with its warm-up.
  const expected = 2 + 2 * rounds * (WARMUP + CALLS) + 2 * (STEP_WARMUP + STEP_CALLS);
  const { rows } = await db.query<{ n: number; other: number }>(
    `SELECT count(*)::int AS n, count(*) FILTER (WHERE outcome <> 'success')::int AS other FROM attempts`,
  );
  console.log(`\nattempt rows: ${rows[0].n} (expected ${expected}), not completed as success: ${rows[0].other}`);
});

/**
 * `object[method]`, timed as a step named by a label or by the call's arguments; with `parts`, the
 * method answers at once and each named promise of its answer is timed instead.
 */
type Step = [object: object, method: string, label: string | ((args: unknown[]) => string), parts?: string[]];

/**
 * Calls `fn` STEP_CALLS times (after STEP_WARMUP calls) with every step wrapped: the whole call's
 * p50 and mean, and per step its time per call (p50, mean) and how many times a call makes it.
 */
async function profile(title: string, fn: Call, steps: Step[]): Promise<string> {
  await timed(STEP_WARMUP, fn);
  let current: Map<string, number[]> | undefined; // per step, the ms of each time the call made it
  const calls: { ms: number; steps: Map<string, number[]> }[] = [];
  const unwrap = steps.map(([object, method, label, parts]) =>
    wrap(object, method, (args, call) => {
      const [started, into, result] = [performance.now(), current, call()];
      const name = typeof label === 'string' ? label : label(args);
      const timing = (step: string) => () => into?.set(step, [...(into.get(step) ?? []), performance.now() - started]);
      const promises: [string, unknown][] = parts
        ? parts.map((part) => [`${name} ${part}`, (result as Record<string, unknown>)[part]])
        : [[name, result]];
      for (const [step, promise] of promises) if (promise instanceof Promise) promise.then(timing(step), timing(step));
      return result;
    }),
  );
  try {
    for (let i = 0; i < STEP_CALLS; i++) {
      const steps = (current = new Map());
      calls.push({ ms: (await timed(1, fn))[0], steps });
    }
  } finally {
    current = undefined;
    unwrap.forEach((undo) => undo());
  }
  // The labelled steps in their order, then the Redis commands and SQL statements.
  const labels = steps.flatMap(([, , label, parts]) =>
    typeof label !== 'string' ? ['~'] : parts ? parts.map((part) => `${label} ${part}`) : [label],
  );
  const rank = (name: string) => (labels.includes(name) ? labels.indexOf(name) : labels.length);
  const names = [...new Set(calls.flatMap((c) => [...c.steps.keys()]))];
  names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const row = (name: string, ms: number[]) => `  ${name.padEnd(30)} p50 ${fmt(summary(ms).p50)}  mean ${fmt(mean(ms))}`;
  const whole = calls.map((c) => c.ms);
  let rest = mean(whole);
  const head = `Where the time goes: ${title}, ${calls.length} calls (ms per call; p50 and mean; n = times per call)`;
  const lines = [head, row('whole call', whole)];
  for (const name of names) {
    const ms = calls.map((c) => (c.steps.get(name) ?? []).reduce((sum, v) => sum + v, 0));
    // The steps TargetRunner makes itself; the others happen inside them.
    if (/^(breaker|limiter|attempts|adapter)\.\w+$/.test(name)) rest -= mean(ms);
    lines.push(`${row(name, ms)}  n ${mean(calls.map((c) => c.steps.get(name)?.length ?? 0)).toFixed(2)}`);
  }
  lines.push(
    `  ${'TargetRunner itself (rest)'.padEnd(30)} mean ${fmt(rest)}  (judging, metrics; less overlapping steps)`,
  );
  return lines.join('\n');
}

/** Replaces `object[method]` by `around`, which gets the arguments and the original call; returns the undo. */
function wrap(object: object, method: string, around: (args: unknown[], call: () => unknown) => unknown): () => void {
  const target = object as Record<string, unknown>;
  const own = Object.hasOwn(target, method);
  const original = target[method] as (...args: unknown[]) => unknown;
  target[method] = function (this: unknown, ...args: unknown[]) {
    return around(args, () => original.apply(this, args));
  };
  return () => (own ? (target[method] = original) : delete target[method]);
}

/** `fn` `calls` times, one at a time: each call's milliseconds. */
async function timed(calls: number, fn: Call): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  return samples;
}

function figuresOf(samples: number[]) {
  return { ...summary(samples), mean: mean(samples) };
}

function fmt(ms: number): string {
  return ms.toFixed(3);
}

/** INSERT, UPDATE, …: the first word of a pg query (a text or a config object). */
function sqlVerb(query: unknown): string | undefined {
  return /\w+/.exec(String((query as { text?: string }).text ?? query))?.[0].toUpperCase();
}

function expectAnswer(status: number, answer: unknown): void {
  if (status !== 200 || !isDeepStrictEqual(answer, FAKE_ANSWER)) {
    throw new Error(`not the fake's answer (HTTP ${status}): ${JSON.stringify(answer).slice(0, 300)}`);
  }
}

/** The gateway's own Node server (`--headless`: no UI) on a free port; ready once `/` answers. */
async function startPortkey(): Promise<string> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  probe.close();
  const entry = require.resolve('@portkey-ai/gateway/build/start-server.js');
  const child = spawn(process.execPath, [entry, `--port=${port}`, '--headless'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production' },
  });
  process.once('exit', () => child.kill()); // gone with the bench, however it ends
  const url = `http://127.0.0.1:${port}`;
  const answers = async () => (await (await request(url).catch(() => undefined))?.body.text())?.includes('Gateway');
  const up = await waitFor(async () => child.exitCode !== null || (await answers()) === true, 100, 30_000);
  if (!up || child.exitCode !== null) throw new Error(`the Portkey gateway did not start (${child.exitCode})`);
  return url;
}
