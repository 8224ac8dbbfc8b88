import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import IORedis from 'ioredis';

/**
 * A Redis of a test's own (`redis-server` on a free port, keeping nothing on disk), so the test can
 * FLUSHDB it, stop it or start it again without touching the Redis other tests use.
 */
export class TestRedisServer {
  private child?: ChildProcess;
  port = 0;

  /** @param password one the server requires (`--requirepass`); its clients here give it. */
  constructor(private readonly password?: string) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it (again, on the same port after `stop`) and waits until it answers. */
  async start(): Promise<this> {
    this.port ||= await freePort();
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    if (this.password) args.push('--requirepass', this.password);
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.child = child;
    const client = new IORedis(this.url, {
      password: this.password,
      lazyConnect: true,
      retryStrategy: () => 50,
      maxRetriesPerRequest: 1,
    });
    try {
      for (const deadline = Date.now() + 10_000; ;) {
        if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
        if ((await client.ping().catch(() => '')) === 'PONG') return this;
        if (Date.now() > deadline) throw new Error('redis-server did not answer within 10 s');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      client.disconnect();
    }
  }

  /** A client of its own; the caller disconnects it. */
  client(): IORedis {
    return new IORedis(this.url, { password: this.password, maxRetriesPerRequest: 3 });
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
}

/** A TCP port nothing listens on right now (the OS picked it, then it was closed again). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
