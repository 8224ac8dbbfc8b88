// A lean OpenAI-compatible provider in its own process (node:http, no framework), so its CPU is its
// own: every chat completion is answered after exactly `latencyMs` (0: at once, no timer), with a
// valid summarization answer (FAKE_ANSWER). It counts what it sees; `stats()` asks it over IPC.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAKE_MODEL = 'bench-model';

/** The answer to every chat completion. */
export const FAKE_ANSWER = {
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: FAKE_MODEL,
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: '{"summary":"A short summary."}', refusal: null },
      finish_reason: 'stop',
      logprobs: null,
    },
  ],
  usage: { prompt_tokens: 120, completion_tokens: 12, total_tokens: 132 },
};

export interface FakeStats {
  /** Chat completions received, answered, aborted by the client; in flight now and at most. */
  calls: number;
  answered: number;
  aborted: number;
  inFlight: number;
  maxInFlight: number;
  /** TCP connections the client opened (keep-alive reuses them), since the fake started. */
  connections: number;
  /** [ms since the fake started, calls in flight, calls answered so far], every 100 ms. */
  samples: [number, number, number][];
  /** First call received and last answer sent, ms since the fake started (-1: none yet). */
  firstCallAt: number;
  lastAnswerAt: number;
  /** From a request's end to its answer: how exact the latency is. */
  latencyMeanMs: number;
  latencyMaxMs: number;
  /** The fake's own CPU so far. */
  cpuSeconds: number;
}

export interface FakeOpenAi {
  /** The base URL of a connection: `${url}/v1`. */
  url: string;
  stats(): Promise<FakeStats>;
  /** Starts the counts afresh (for the next round), answering with the last ones. */
  reset(): Promise<FakeStats>;
  close(): void;
}

/** Starts the fake (this file, forked) on a free loopback port. */
export async function startFakeOpenAi(latencyMs: number): Promise<FakeOpenAi> {
  const child = fork(__filename, [String(latencyMs)], {
    execArgv: ['-r', 'ts-node/register/transpile-only'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await once(child, 'message')) as [{ url: string }];
  let asking = Promise.resolve({} as FakeStats);
  const ask = (what: 'stats' | 'reset') =>
    (asking = asking.then(async () => {
      const answer = once(child, 'message') as Promise<[FakeStats]>;
      child.send(what);
      return (await answer)[0];
    }));
  return {
    url: ready.url,
    stats: () => ask('stats'),
    reset: () => ask('reset'),
    close: () => child.kill('SIGTERM'),
  };
}

function serve(latencyMs: number): void {
  const started = performance.now();
  const now = () => performance.now() - started;
  const fresh = (): FakeStats => ({
    calls: 0,
    answered: 0,
    aborted: 0,
    inFlight: 0,
    maxInFlight: 0,
    connections: 0,
    samples: [],
    firstCallAt: -1,
    lastAnswerAt: -1,
    latencyMeanMs: 0,
    latencyMaxMs: 0,
    cpuSeconds: 0,
  });
  let stats = fresh();
  let latencySum = 0;
  const answer = Buffer.from(JSON.stringify(FAKE_ANSWER));
  const models = Buffer.from(JSON.stringify({ object: 'list', data: [{ id: FAKE_MODEL, object: 'model' }] }));

  const chat = (req: IncomingMessage, res: ServerResponse) => {
    stats.calls++;
    if (stats.firstCallAt < 0) stats.firstCallAt = now();
    stats.maxInFlight = Math.max(stats.maxInFlight, ++stats.inFlight);
    let done = false;
    const finish = (answered: boolean) => {
      if (done) return;
      done = true;
      stats.inFlight--;
      if (answered) stats.answered++;
      else stats.aborted++;
    };
    req.resume(); // the body is not needed: the answer suits any summarization item
    req.once('end', () => {
      const bodyEnd = performance.now();
      const respond = () => {
        const latency = performance.now() - bodyEnd;
        latencySum += latency;
        stats.latencyMaxMs = Math.max(stats.latencyMaxMs, latency);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(answer.length) });
        res.end(answer);
        stats.lastAnswerAt = now();
        finish(true);
      };
      // A timer waits at least 1 ms, so latency 0 answers without one.
      const timer = latencyMs > 0 ? setTimeout(respond, latencyMs) : undefined;
      res.once('close', () => {
        clearTimeout(timer);
        finish(res.writableFinished);
      });
      if (!timer) respond();
    });
  };

  const server = createServer((req, res) => {
    if (req.method === 'POST' && req.url?.endsWith('/chat/completions')) return chat(req, res);
    req.resume();
    const found = req.url?.endsWith('/models');
    res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
    res.end(found ? models : '{"error":{"message":"not found"}}');
  });
  server.keepAliveTimeout = 65_000;
  server.on('connection', () => stats.connections++);
  setInterval(() => stats.samples.push([Math.round(now()), stats.inFlight, stats.answered]), 100).unref();
  process.on('message', (what) => {
    const cpu = process.cpuUsage();
    stats.cpuSeconds = (cpu.user + cpu.system) / 1e6;
    stats.latencyMeanMs = stats.answered > 0 ? latencySum / stats.answered : 0;
    process.send?.(stats);
    // Connections stay open (keep-alive) and calls may still be out: those two carry over.
    if (what === 'reset')
      [stats, latencySum] = [{ ...fresh(), inFlight: stats.inFlight, connections: stats.connections }, 0];
  });
  process.on('disconnect', () => process.exit(0));
  // A deep backlog: thousands of connections open at once, and a dropped SYN costs a 1 s retransmit.
  server.listen({ port: 0, host: '127.0.0.1', backlog: 4_096 }, () => {
    process.send?.({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  });
}

if (require.main === module) serve(Number(process.argv[2]));
