import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the fake received it. Header names are lower-case; `path` is still percent-encoded. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  rawBody: string;
  /** The body parsed as JSON, or undefined. */
  body: any;
  /** When it arrived (ms since the epoch). */
  receivedAt: number;
}

export interface ScriptedResponse {
  status: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or Buffer as is. */
  body?: unknown;
  /** Wait this long before answering (timeouts). */
  delayMs?: number;
  /** Send the head and half the body, then destroy the socket (a connection cut mid-answer). */
  hangUp?: boolean;
}

type Script = ScriptedResponse | ((request: RecordedRequest) => ScriptedResponse);

export interface StartedServer {
  url: string;
  close: () => Promise<void>;
}

/**
 * A provider stand-in on node:http, listening on 127.0.0.1 (random port). Every request is recorded;
 * authentication is checked first (a wrong key gets the provider's own error), then the next
 * scripted response, if any, answers; otherwise the provider's normal route does.
 * Standalone (no jest): e2e tests can run the real worker against it.
 */
export abstract class FakeServer {
  readonly requests: RecordedRequest[] = [];
  /** How long every answer takes unless a script says otherwise (a provider's own latency). */
  latencyMs = 0;
  /** Answers whose last byte was handed to the network (what a provider bills for). */
  delivered = 0;
  /** Requests being answered now, and the most there ever were at once. */
  inFlight = 0;
  maxInFlight = 0;
  url = '';
  private readonly script: Script[] = [];
  private server?: Server;
  private outage?: { until: number; status: number };

  /** Authentication failure for this request in the provider's format, or undefined when it passes. */
  protected abstract authenticate(
    request: RecordedRequest,
  ): ScriptedResponse | undefined | Promise<ScriptedResponse | undefined>;
  /** The provider's normal answer (success, 404, ...). */
  protected abstract route(request: RecordedRequest): ScriptedResponse;

  async start(): Promise<StartedServer> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { url: this.url, close: () => this.close() };
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get lastRequest(): RecordedRequest {
    const last = this.requests.at(-1);
    if (!last) throw new Error('the fake server has received no request');
    return last;
  }

  /** Forgets recorded requests and pending scripts. */
  reset(): this {
    this.requests.length = 0;
    this.script.length = 0;
    return this;
  }

  /** Answers the next (authenticated) request with this. */
  next(response: Script): this {
    this.script.push(response);
    return this;
  }

  nextError(status: number, body: unknown, headers: Record<string, string> = {}): this {
    return this.next({ status, body, headers });
  }

  /**
   * An outage: for the next `ms` every request is answered with `status` (after the usual latency);
   * then the provider is back.
   */
  down(ms: number, status = 503): this {
    this.outage = { until: Date.now() + ms, status };
    return this;
  }

  /** 200 with a body that is not JSON. */
  malformed(): this {
    return this.next({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: '<html>upstream error</html>',
    });
  }

  /** 200 with the normal answer cut in half (a complete HTTP message whose JSON is cut off). */
  truncated(): this {
    return this.next((request) => {
      const answer = this.route(request);
      const text = serialize(answer.body);
      return { ...answer, body: text.subarray(0, Math.floor(text.length / 2)) };
    });
  }

  /** 200 with an empty body. */
  empty(): this {
    return this.next({ status: 200, headers: { 'content-type': 'application/json' }, body: '' });
  }

  /** The normal answer's head and half its body, then the connection is destroyed. */
  hangUp(): this {
    return this.next((request) => ({ ...this.route(request), hangUp: true }));
  }

  /** The normal answer, late. */
  delay(ms: number): this {
    return this.next((request) => ({ ...this.route(request), delayMs: ms }));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    res.once('close', () => this.inFlight--);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request = record(req, Buffer.concat(chunks).toString('utf8'));
    this.requests.push(request);

    const outage = this.outage && Date.now() < this.outage.until ? this.outage : undefined;
    const scripted = outage
      ? { status: outage.status, body: { error: { message: 'The service is unavailable.' } } }
      : this.script.shift();
    let response = await this.authenticate(request);
    if (!response && scripted) response = typeof scripted === 'function' ? scripted(request) : scripted;
    else if (response && scripted && !outage) this.script.unshift(scripted); // keep it for an authenticated request
    response ??= this.route(request);

    const delayMs = response.delayMs ?? this.latencyMs;
    if (delayMs) await waitOrClose(delayMs, res);
    if (res.destroyed) return;
    const body = serialize(response.body);
    const headers = { 'content-type': 'application/json', ...response.headers, 'content-length': String(body.length) };
    res.writeHead(response.status, headers);
    if (response.hangUp) {
      res.write(body.subarray(0, Math.floor(body.length / 2)));
      setTimeout(() => res.socket?.destroy(), 10);
      return;
    }
    res.end(body, () => (this.delivered += 1));
  }
}

/** Waits, but no longer than the client stays connected (an aborted call leaves no timer behind). */
function waitOrClose(ms: number, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    res.once('close', done);
    function done() {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    }
  });
}

function record(req: IncomingMessage, rawBody: string): RecordedRequest {
  const url = new URL(req.url ?? '/', 'http://fake');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  let body: unknown;
  try {
    body = rawBody === '' ? undefined : JSON.parse(rawBody);
  } catch {
    body = undefined;
  }
  return {
    receivedAt: Date.now(),
    method: req.method ?? 'GET',
    path: (req.url ?? '/').split('?')[0],
    query: Object.fromEntries(url.searchParams),
    headers,
    rawBody,
    body,
  };
}

function serialize(body: unknown): Buffer {
  if (body === undefined) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return body;
  return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
}

/** The JSON answer text a fake returns: the test's canned text, or a minimal instance of the request's schema. */
export type AnswerSource = string | ((request: RecordedRequest) => string);

export function answerText(answer: AnswerSource | undefined, request: RecordedRequest, schema: unknown): string {
  if (typeof answer === 'string') return answer;
  if (answer) return answer(request);
  return JSON.stringify(minimalInstance(schema));
}

/** The smallest value valid against a (simple) JSON Schema: required properties, minimum items, first enum value. */
export function minimalInstance(schema: unknown): unknown {
  if (typeof schema !== 'object' || schema === null) return {};
  const s = schema as Record<string, any>;
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  const variants = s.anyOf ?? s.oneOf;
  if (Array.isArray(variants) && variants.length > 0) return minimalInstance(variants[0]);
  const type = Array.isArray(s.type) ? (s.type.find((t: string) => t !== 'null') ?? 'null') : s.type;
  switch (type) {
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, () => minimalInstance(s.items));
    case 'string':
      return 'x'.repeat(s.minLength ?? 0);
    case 'number':
    case 'integer':
      return s.minimum ?? 0;
    case 'boolean':
      return false;
    case 'null':
      return null;
    default: {
      const properties: Record<string, unknown> = s.properties ?? {};
      const required: string[] = Array.isArray(s.required) ? s.required : [];
      return Object.fromEntries(required.map((key) => [key, minimalInstance(properties[key])]));
    }
  }
}
