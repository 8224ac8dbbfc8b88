import net from 'node:net';
import { EgressClient } from './egress.client';
import { EgressError } from './egress.types';
import { FakeResolver, spyOnSockets, startHttpServer, type TestHttpServer } from './local-servers.test-helper';

const LOCAL = { allowCidrs: ['127.0.0.1/32'], allowHosts: [], allowHttp: true };
const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (err: unknown) => {
      expect(err).toBeInstanceOf(EgressError);
      return err as EgressError;
    },
  );

describe('EgressClient', () => {
  let server: TestHttpServer;
  let sockets: ReturnType<typeof spyOnSockets>;
  const clients: EgressClient[] = [];
  const client = (options: ConstructorParameters<typeof EgressClient>[0]) => {
    const c = new EgressClient(options);
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    sockets = spyOnSockets();
    server = await startHttpServer((req, res, body) => {
      const path = (req.url ?? '').split('?')[0];
      if (path === '/redirect-metadata') {
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      } else if (path === '/redirect-public') {
        res.writeHead(301, { location: 'https://api.example.com/v2' }).end();
      } else if (path === '/big') {
        res.writeHead(200);
        res.end(Buffer.alloc(5000, 'x'));
      } else if (path === '/big-chunked') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        for (let i = 0; i < 50; i++) res.write(Buffer.alloc(100, 'y'));
        res.end();
      } else if (path === '/hang-headers') {
        // never answers
      } else if (path === '/hang-body') {
        res.writeHead(200, { 'content-length': '100' });
        res.write('partial');
      } else if (path === '/drop') {
        req.socket.destroy();
      } else if (path === '/teapot') {
        res.writeHead(418, { 'x-reason': 'short and stout' }).end('no coffee');
      } else {
        res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
        res.end(JSON.stringify({ method: req.method, host: req.headers.host, body }));
      }
    });
  });

  afterEach(async () => {
    sockets.restore();
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await server.close();
  });

  describe('pinning', () => {
    it('connects to the checked address and keeps the name as Host', async () => {
      const resolver = new FakeResolver({ 'pinned.test': ['127.0.0.1'] });
      const egress = client({ allowances: LOCAL, resolver });
      const res = await egress.request({
        url: `http://pinned.test:${server.port}/v1/echo?x=1`,
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'hello',
      });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body.toString())).toEqual({
        method: 'POST',
        host: `pinned.test:${server.port}`,
        body: 'hello',
      });
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.headers['set-cookie']).toBe('a=1, b=2');
      expect(sockets.hosts()).toEqual(['127.0.0.1']);
      expect(resolver.calls).toEqual(['pinned.test']);
    });

    it('resolves once per connection: a rebinding answer is never used by an open connection', async () => {
      // First answer allowed (127.0.0.1), every later answer private.
      const resolver = new FakeResolver({ 'pinned.test': [['127.0.0.1'], ['10.0.0.1']] });
      const egress = client({ allowances: LOCAL, resolver });
      const url = `http://pinned.test:${server.port}/`;
      await egress.request({ url, method: 'GET' });
      await new Promise((resolve) => setTimeout(resolve, 20)); // let the socket go back to the pool
      await egress.request({ url, method: 'GET' }); // same keep-alive connection, no new lookup
      expect(resolver.calls).toEqual(['pinned.test']);
      expect(server.connections()).toBe(1);

      server.server.closeAllConnections(); // a new connection must resolve (and be judged) again
      await new Promise((resolve) => setTimeout(resolve, 20));
      const err = await failureOf(egress.request({ url, method: 'GET' }));
      expect(err.failure).toBe('egress_blocked');
      expect(err.message).toContain('10.0.0.1');
      expect(resolver.calls).toEqual(['pinned.test', 'pinned.test']);
      expect(server.connections()).toBe(1);
      expect(sockets.hosts()).toEqual(['127.0.0.1']);
    });

    it('DNS rebinding: public at the check, private later — the socket goes to the checked answer only', async () => {
      const resolver = new FakeResolver({ 'rebind.test': [['93.184.216.34'], ['127.0.0.1']] });
      const egress = client({ allowances: { ...LOCAL, allowCidrs: [] }, resolver });
      // Stop the socket layer from reaching the internet; record where it was asked to go.
      const connect = jest.spyOn(net, 'connect').mockImplementation(() => {
        throw Object.assign(new Error('test: no internet'), { code: 'ENETUNREACH' });
      });
      const err = await failureOf(egress.request({ url: `http://rebind.test:${server.port}/`, method: 'GET' }));
      expect(err.failure).toBe('network');
      expect(connect).toHaveBeenCalledTimes(1);
      expect(connect.mock.calls[0][0]).toMatchObject({ host: '93.184.216.34', port: String(server.port) });
      expect(resolver.calls).toEqual(['rebind.test']);
      expect(server.connections()).toBe(0);
    });

    it('falls back to the other address family when the first answer cannot be reached', async () => {
      const resolver = new FakeResolver({ 'dual.test': ['::1', '127.0.0.1'] });
      const egress = client({ allowances: { ...LOCAL, allowCidrs: ['127.0.0.1/32', '::1/128'] }, resolver });
      const res = await egress.request({ url: `http://dual.test:${server.port}/`, method: 'GET' });
      expect(res.status).toBe(200);
      expect(sockets.hosts()).toEqual(['::1', '127.0.0.1']); // the server listens on 127.0.0.1 only
      expect(resolver.calls).toEqual(['dual.test']);
    });

    it('lets an operator-allowed host through the address rules, but never to metadata', async () => {
      const resolver = new FakeResolver({ 'ollama.lan': ['127.0.0.1'], 'meta.lan': ['169.254.169.254'] });
      const egress = client({
        allowances: { allowCidrs: [], allowHosts: ['Ollama.LAN.', 'meta.lan'], allowHttp: true },
        resolver,
      });
      const res = await egress.request({ url: `http://ollama.lan:${server.port}/`, method: 'GET' });
      expect(res.status).toBe(200);
      const err = await failureOf(egress.request({ url: `http://meta.lan:${server.port}/`, method: 'GET' }));
      expect(err.failure).toBe('egress_blocked');
      expect(err.message).toContain('metadata');
    });

    it('returns 4xx and 5xx answers rather than throwing', async () => {
      const egress = client({ allowances: LOCAL });
      const res = await egress.request({ url: `http://127.0.0.1:${server.port}/teapot`, method: 'GET' });
      expect(res).toMatchObject({ status: 418, headers: { 'x-reason': 'short and stout' } });
      expect(res.body.toString()).toBe('no coffee');
    });
  });

  describe('redirects', () => {
    it('refuses a redirect to the metadata address as egress_blocked and never contacts it', async () => {
      const egress = client({ allowances: LOCAL });
      const err = await failureOf(
        egress.request({ url: `http://127.0.0.1:${server.port}/redirect-metadata`, method: 'GET' }),
      );
      expect(err.failure).toBe('egress_blocked');
      expect(err.message).toMatch(/redirect \(HTTP 302\), which is not followed.*169\.254\.169\.254/);
      expect(sockets.hosts()).toEqual(['127.0.0.1']);
      expect(server.requests).toHaveLength(1);
    });

    it('reports any other redirect as a network failure, not followed', async () => {
      const egress = client({ allowances: LOCAL });
      const err = await failureOf(
        egress.request({ url: `http://127.0.0.1:${server.port}/redirect-public`, method: 'GET' }),
      );
      expect(err.failure).toBe('network');
      expect(err.message).toContain('HTTP 301');
      expect(sockets.hosts()).toEqual(['127.0.0.1']);
    });
  });

  describe('limits', () => {
    it('times out waiting for headers', async () => {
      const egress = client({ allowances: LOCAL, headersTimeoutMs: 150 });
      const started = Date.now();
      const err = await failureOf(
        egress.request({ url: `http://127.0.0.1:${server.port}/hang-headers`, method: 'GET' }),
      );
      expect(err.failure).toBe('timeout');
      expect(err.message).toContain('response headers');
      expect(Date.now() - started).toBeLessThan(3000);
    });

    it('times out when the body stalls', async () => {
      const egress = client({ allowances: LOCAL, bodyTimeoutMs: 150 });
      const err = await failureOf(egress.request({ url: `http://127.0.0.1:${server.port}/hang-body`, method: 'GET' }));
      expect(err.failure).toBe('timeout');
    });

    it("times out on the caller's deadline", async () => {
      const egress = client({ allowances: LOCAL });
      const err = await failureOf(
        egress.request({
          url: `http://127.0.0.1:${server.port}/hang-headers`,
          method: 'GET',
          signal: AbortSignal.timeout(100),
        }),
      );
      expect(err.failure).toBe('timeout');
    });

    it('times out a DNS lookup that never answers', async () => {
      const egress = client({
        allowances: LOCAL,
        connectTimeoutMs: 100,
        resolver: { resolve: () => new Promise<string[]>(() => undefined) },
      });
      const err = await failureOf(egress.request({ url: `http://slow.test:${server.port}/`, method: 'GET' }));
      expect(err.failure).toBe('timeout');
      expect(err.message).toContain('DNS lookup for slow.test');
    });

    it('classifies an unknown name and a dropped connection as network', async () => {
      const egress = client({ allowances: LOCAL, resolver: new FakeResolver({}) });
      const unknown = await failureOf(egress.request({ url: 'http://nowhere.test/', method: 'GET' }));
      expect(unknown).toMatchObject({ failure: 'network', message: 'could not resolve nowhere.test (ENOTFOUND)' });
      const dropped = await failureOf(egress.request({ url: `http://127.0.0.1:${server.port}/drop`, method: 'GET' }));
      expect(dropped.failure).toBe('network');
    });

    it('aborts a body larger than the cap (declared length)', async () => {
      const egress = client({ allowances: LOCAL, maxBodyBytes: 1000 });
      const err = await failureOf(egress.request({ url: `http://127.0.0.1:${server.port}/big`, method: 'GET' }));
      expect(err).toMatchObject({ failure: 'network', message: expect.stringContaining('larger than 1000 bytes') });
    });

    it('aborts a chunked body as it passes the per-request cap', async () => {
      const egress = client({ allowances: LOCAL });
      const url = `http://127.0.0.1:${server.port}/big-chunked`;
      const err = await failureOf(egress.request({ url, method: 'GET', maxBodyBytes: 1000 }));
      expect(err.message).toContain('larger than 1000 bytes');
      const ok = await egress.request({ url, method: 'GET', maxBodyBytes: 5000 });
      expect(ok.body).toHaveLength(5000);
    });
  });

  describe('messages', () => {
    const secret = 'SECRET123';
    const leaks = (err: EgressError) => [err.message, String(err), err.stack ?? ''].some((s) => s.includes(secret));

    it('never echoes query strings, header values or userinfo', async () => {
      const egress = client({ allowances: LOCAL, headersTimeoutMs: 100 });
      const strict = client({});
      const headers = { authorization: `Bearer ${secret}`, 'x-api-key': secret };
      const attempts = [
        () =>
          egress.request({ url: `http://127.0.0.1:${server.port}/hang-headers?key=${secret}`, method: 'GET', headers }),
        () => egress.request({ url: `http://127.0.0.1:${server.port}/drop?key=${secret}`, method: 'POST', headers }),
        () =>
          egress.request({
            url: `http://127.0.0.1:${server.port}/redirect-public?key=${secret}`,
            method: 'GET',
            headers,
          }),
        () => egress.request({ url: `http://127.0.0.1:1/v1?key=${secret}`, method: 'GET', headers }),
        () => strict.request({ url: `https://127.0.0.1/v1?key=${secret}`, method: 'GET', headers }),
        () => strict.request({ url: `https://user:${secret}@example.com/`, method: 'GET' }),
        () => strict.request({ url: `${secret}:whatever`, method: 'GET' }),
        () => strict.request({ url: `https://[::1%${secret}]/`, method: 'GET' }),
        () =>
          egress.request({ url: `http://127.0.0.1:${server.port}/`, method: 'GET', headers: { 'bad\nname': secret } }),
      ];
      for (const attempt of attempts) expect(leaks(await failureOf(attempt()))).toBe(false);
    });

    it('refuses to override the Host header', async () => {
      const egress = client({ allowances: LOCAL });
      const err = await failureOf(
        egress.request({ url: `http://127.0.0.1:${server.port}/`, method: 'GET', headers: { Host: 'internal' } }),
      );
      expect(err.failure).toBe('egress_blocked');
      expect(server.connections()).toBe(0);
    });
  });

  it('refuses an invalid CIDR allowance at construction', () => {
    expect(
      () => new EgressClient({ allowances: { allowCidrs: ['10.0.0.0/99'], allowHosts: [], allowHttp: false } }),
    ).toThrow(/EGRESS_ALLOW_CIDRS/);
  });
});
