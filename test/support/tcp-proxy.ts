import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy in front of a service (Postgres, Redis) so a test can cut a process off from it
 * and bring it back, without touching the service other tests and developers use.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private cut = false;
  private stalled = false;

  /**
   * @param latencyMs each chunk is passed on this much later, in both directions: a slow network,
   * so that a client is still connecting when a test acts.
   */
  constructor(
    private readonly target: { host: string; port: number },
    private readonly latencyMs = 0,
  ) {}

  /** Starts listening on 127.0.0.1; returns the port. */
  async start(): Promise<number> {
    const server = createServer((client) => {
      if (this.cut) return client.destroy();
      const upstream = createConnection(this.target);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      if (this.stalled) for (const socket of [client, upstream]) socket.pause();
      this.forward(client, upstream);
      this.forward(upstream, client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  private forward(from: Socket, to: Socket): void {
    if (this.latencyMs === 0) {
      from.pipe(to);
      return;
    }
    from.on('data', (chunk) => setTimeout(() => to.writable && to.write(chunk), this.latencyMs));
  }

  /** An outage: every open connection drops and new ones are refused until `restore`. */
  cutOff(): void {
    this.cut = true;
    for (const socket of this.sockets) socket.destroy();
  }

  /** The service stops answering, its connections left open: nothing passes either way until `restore`. */
  stall(): void {
    this.stalled = true;
    for (const socket of this.sockets) socket.pause();
  }

  restore(): void {
    this.cut = false;
    if (this.stalled) for (const socket of this.sockets) socket.resume();
    this.stalled = false;
  }

  async close(): Promise<void> {
    this.cutOff();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
