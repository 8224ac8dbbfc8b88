import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { EgressClient } from './egress.client';
import { FakeResolver } from './local-servers.test-helper';

// A throwaway self-signed certificate for "pinned.test", made locally by openssl (no network).
function makeCertificate(): { key: Buffer; cert: Buffer } | null {
  const dir = mkdtempSync(join(tmpdir(), 'egress-tls-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1']
        .concat(['-subj', '/CN=pinned.test', '-addext', 'subjectAltName=DNS:pinned.test'])
        .concat(['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]),
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } catch {
    return null; // no openssl: the TLS tests are skipped
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const pair = makeCertificate();
const describeTls = pair ? describe : describe.skip;

describeTls('EgressClient over TLS (pinned address, original name for SNI and certificate)', () => {
  let server: https.Server;
  let port: number;
  const seen: { servername: string | false | null; host?: string }[] = [];
  const resolver = new FakeResolver({
    'pinned.test': ['127.0.0.1'],
    'pinned.test.': ['127.0.0.1'],
    'other.test': ['127.0.0.1'],
  });
  const allowances = { allowCidrs: ['127.0.0.1/32'], allowHosts: [], allowHttp: false };
  let trusting: EgressClient;
  let defaultTrust: EgressClient;

  beforeAll(async () => {
    server = https.createServer({ key: pair!.key, cert: pair!.cert }, (req, res) => {
      seen.push({ servername: (req.socket as tls.TLSSocket).servername, host: req.headers.host });
      res.end('secure');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    trusting = new EgressClient({ allowances, resolver, ca: pair!.cert });
    defaultTrust = new EgressClient({ allowances, resolver });
  });
  afterAll(async () => {
    await Promise.all([trusting.close(), defaultTrust.close()]);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('connects to the checked address with SNI and verification against the name', async () => {
    const connect = jest.spyOn(tls, 'connect');
    const res = await trusting.request({ url: `https://pinned.test:${port}/`, method: 'GET' });
    expect(res.body.toString()).toBe('secure');
    expect(seen).toEqual([{ servername: 'pinned.test', host: `pinned.test:${port}` }]);
    expect(connect.mock.calls[0][0]).toMatchObject({ host: '127.0.0.1', servername: 'pinned.test' });
    connect.mockRestore();
  });

  it('sends SNI without the trailing dot of an absolute name', async () => {
    const res = await trusting.request({ url: `https://pinned.test.:${port}/`, method: 'GET' });
    expect(res.status).toBe(200);
    expect(seen.at(-1)?.servername).toBe('pinned.test');
  });

  it('fails when the certificate does not match the requested name (pinning does not skip checks)', async () => {
    await expect(trusting.request({ url: `https://other.test:${port}/`, method: 'GET' })).rejects.toMatchObject({
      failure: 'network',
      message: expect.stringContaining('ERR_TLS_CERT_ALTNAME_INVALID'),
    });
  });

  it('fails on an untrusted certificate with the default trust store', async () => {
    await expect(defaultTrust.request({ url: `https://pinned.test:${port}/`, method: 'GET' })).rejects.toMatchObject({
      failure: 'network',
    });
  });
});
