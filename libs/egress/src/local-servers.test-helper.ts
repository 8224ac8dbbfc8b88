// Test support only (imported by *.spec.ts): local listeners that count connections, a scripted
// resolver, and spies on the socket layer, so a test can prove that nothing was connected.
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { Resolver } from './resolver';

/** Answers per host; a list of lists answers call by call, the last one repeating. */
export class FakeResolver extends Resolver {
  readonly calls: string[] = [];
  constructor(private readonly answers: Record<string, string[] | string[][]>) {
    super();
  }
  callsFor(host: string): number {
    return this.calls.filter((h) => h === host).length;
  }
  async resolve(hostname: string): Promise<string[]> {
    this.calls.push(hostname);
    const script = this.answers[hostname];
    if (!script) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    if (script.length > 0 && Array.isArray(script[0])) {
      const rounds = script as string[][];
      return rounds[Math.min(this.callsFor(hostname) - 1, rounds.length - 1)];
    }
    return script as string[];
  }
}

export interface CountingListener {
  port: number;
  connections: () => number;
  close: () => Promise<void>;
}

/** A TCP listener on every local address (dual-stack "::", else 0.0.0.0) that counts connections. */
export async function listenEverywhere(): Promise<CountingListener> {
  let count = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    count += 1;
    sockets.add(socket);
    socket.destroy();
  });
  await new Promise<void>((resolve) => {
    server.once('error', () => server.listen({ host: '0.0.0.0', port: 0 }, resolve));
    server.listen({ host: '::', port: 0, ipv6Only: false }, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => count,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface TestHttpServer {
  port: number;
  server: http.Server;
  requests: RecordedRequest[];
  connections: () => number;
  close: () => Promise<void>;
}

/** A plain HTTP server on 127.0.0.1 recording requests; `handler` answers them. */
export async function startHttpServer(
  handler: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void,
): Promise<TestHttpServer> {
  let count = 0;
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  server.on('connection', () => (count += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    server,
    requests,
    connections: () => count,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Records the host of every socket opened through net.connect / tls.connect (undici uses both). */
export function spyOnSockets(): { hosts: () => string[]; restore: () => void } {
  const netSpy = jest.spyOn(net, 'connect');
  const tlsSpy = jest.spyOn(tls, 'connect');
  const hostOf = (args: unknown[]) => String((args[0] as { host?: string } | undefined)?.host ?? '?');
  return {
    hosts: () => [...netSpy.mock.calls.map(hostOf), ...tlsSpy.mock.calls.map(hostOf)],
    restore: () => {
      netSpy.mockRestore();
      tlsSpy.mockRestore();
    },
  };
}
