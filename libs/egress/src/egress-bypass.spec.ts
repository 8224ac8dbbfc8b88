import { EgressClient } from './egress.client';
import { EgressError } from './egress.types';
import { FakeResolver, listenEverywhere, spyOnSockets, type CountingListener } from './local-servers.test-helper';

/**
 * Every way we know to smuggle a request to this machine, a private network or cloud metadata,
 * each sent through EgressClient.request and each expected to fail with `egress_blocked` before
 * any socket opens. A listener on every local address (port P) and spies on net/tls.connect prove
 * that nothing connected. Plain http is allowed here, so the address rules (not the https rule)
 * are what blocks; `https: true` cases run with no allowances at all.
 */
interface BypassCase {
  name: string;
  url: string; // {P} = the listener's port
  https?: true;
}

const resolver = new FakeResolver({
  'private.test': ['192.168.1.10'],
  'loop.test': ['127.0.0.1'],
  'loop6.test': ['::1'],
  'mixed.test': ['93.184.216.34', '10.0.0.1'],
  'mixed-late.test': ['93.184.216.34', '2606:4700:4700::1111', '127.0.0.1'],
  'mixed-first.test': ['127.0.0.1', '93.184.216.34'],
  'meta.test': ['169.254.169.254'],
  'mapped.test': ['::ffff:127.0.0.1'],
  'compat.test': ['::127.0.0.1'],
  'nat64.test': ['64:ff9b::a9fe:a9fe'],
  'ula.test': ['fd12:3456::1'],
  'zero.test': ['0.0.0.0'],
  'cgnat.test': ['100.64.1.1'],
  'garbage.test': ['0x7f.1'],
  'rebind-first.test': [['127.0.0.1'], ['93.184.216.34']],
  'metadata.example.com': ['169.254.169.254'],
  '127.0.0.1.nip.test': ['127.0.0.1'],
});

// prettier-ignore
const CASES: BypassCase[] = [
  // IPv4 spellings of 127.0.0.1 (the WHATWG parser normalises them; the result is judged)
  { name: 'dotted loopback', url: 'http://127.0.0.1:{P}/' },
  { name: 'short form 127.1', url: 'http://127.1:{P}/' },
  { name: 'short form 127.0.1', url: 'http://127.0.1:{P}/' },
  { name: 'decimal 2130706433', url: 'http://2130706433:{P}/' },
  { name: 'hex 0x7f000001', url: 'http://0x7f000001:{P}/' },
  { name: 'hex octets', url: 'http://0x7f.0x0.0x0.0x1:{P}/' },
  { name: 'uppercase hex', url: 'http://0X7F.0.0.1:{P}/' },
  { name: 'octal octets', url: 'http://0177.0.0.1:{P}/' },
  { name: 'padded octal', url: 'http://0177.0000.0000.0001:{P}/' },
  { name: 'octal whole', url: 'http://017700000001:{P}/' },
  { name: 'mixed hex + short', url: 'http://0x7f.1:{P}/' },
  { name: 'leading zeros', url: 'http://127.000.000.001:{P}/' },
  { name: 'trailing dot', url: 'http://127.0.0.1.:{P}/' },
  { name: 'percent-encoded dot', url: 'http://127.0.0.1%2e:{P}/' },
  { name: 'fullwidth digits', url: 'http://１２７.０.０.１:{P}/' },
  { name: 'ideographic full stops', url: 'http://127。0。0。1:{P}/' },
  { name: 'other loopback 127.127.127.127', url: 'http://127.127.127.127:{P}/' },
  { name: 'bare 0', url: 'http://0:{P}/' },
  { name: '0.0.0.0', url: 'http://0.0.0.0:{P}/' },
  { name: 'hex 0x0', url: 'http://0x0:{P}/' },
  // IPv6 literals and IPv4-carrying wrappers
  { name: '[::1]', url: 'http://[::1]:{P}/' },
  { name: 'long ::1', url: 'http://[0:0:0:0:0:0:0:1]:{P}/' },
  { name: '[::]', url: 'http://[::]:{P}/' },
  { name: 'IPv4-mapped dotted', url: 'http://[::ffff:127.0.0.1]:{P}/' },
  { name: 'IPv4-mapped hex', url: 'http://[::ffff:7f00:1]:{P}/' },
  { name: 'IPv4-mapped uppercase', url: 'http://[::FFFF:7F00:1]:{P}/' },
  { name: 'IPv4-mapped long form', url: 'http://[0:0:0:0:0:ffff:127.0.0.1]:{P}/' },
  { name: 'IPv4-mapped metadata', url: 'http://[::ffff:169.254.169.254]:{P}/' },
  { name: 'IPv4-mapped private', url: 'http://[::ffff:10.0.0.1]:{P}/' },
  { name: 'IPv4-compatible dotted', url: 'http://[::127.0.0.1]:{P}/' },
  { name: 'IPv4-compatible hex', url: 'http://[::7f00:1]:{P}/' },
  { name: 'IPv4-compatible public (deprecated form)', url: 'http://[::8.8.8.8]:{P}/' },
  { name: 'IPv4-translated (SIIT)', url: 'http://[::ffff:0:127.0.0.1]:{P}/' },
  { name: 'NAT64 loopback', url: 'http://[64:ff9b::127.0.0.1]:{P}/' },
  { name: 'NAT64 metadata', url: 'http://[64:ff9b::a9fe:a9fe]:{P}/' },
  { name: 'local-use NAT64 loopback', url: 'http://[64:ff9b:1::7f00:1]:{P}/' },
  { name: 'local-use NAT64, non-/96 layout', url: 'http://[64:ff9b:1:7f00:1::1]:{P}/' },
  { name: '6to4 loopback', url: 'http://[2002:7f00:1::1]:{P}/' },
  { name: '6to4 metadata', url: 'http://[2002:a9fe:a9fe::]:{P}/' },
  { name: 'Teredo client 127.0.0.1', url: 'http://[2001:0:4136:e378:8000:63bf:80ff:fffe]:{P}/' },
  { name: 'Teredo private server', url: 'http://[2001:0:a00:1:8000:63bf:f7f7:f7f7]:{P}/' },
  { name: 'link-local fe80::1', url: 'http://[fe80::1]:{P}/' },
  { name: 'zone id', url: 'http://[fe80::1%25eth0]:{P}/' },
  { name: 'unique-local', url: 'http://[fd12:3456::1]:{P}/' },
  { name: 'AWS metadata IPv6', url: 'http://[fd00:ec2::254]:{P}/' },
  { name: 'multicast ff02::1', url: 'http://[ff02::1]:{P}/' },
  { name: 'site-local fec0::1', url: 'http://[fec0::1]:{P}/' },
  { name: 'discard 100::1', url: 'http://[100::1]:{P}/' },
  { name: 'dummy prefix 100:0:0:1::1', url: 'http://[100:0:0:1::1]:{P}/' },
  { name: 'documentation 2001:db8::1', url: 'http://[2001:db8::1]:{P}/' },
  { name: 'documentation 3fff::1', url: 'http://[3fff::1]:{P}/' },
  { name: 'SRv6 5f00::1 (outside 2000::/3)', url: 'http://[5f00::1]:{P}/' },
  // Metadata, private and special IPv4
  { name: 'metadata 169.254.169.254', url: 'http://169.254.169.254:{P}/latest/meta-data/' },
  { name: 'metadata decimal', url: 'http://2852039166:{P}/' },
  { name: 'metadata hex', url: 'http://0xa9fea9fe:{P}/' },
  { name: 'metadata octal', url: 'http://0251.0376.0251.0376:{P}/' },
  { name: 'metadata short form', url: 'http://169.254.43518:{P}/' },
  { name: 'ECS task metadata', url: 'http://169.254.170.2:{P}/' },
  { name: 'Alibaba metadata', url: 'http://100.100.100.200:{P}/' },
  { name: 'Azure WireServer (public range)', url: 'http://168.63.129.16:{P}/' },
  { name: 'Oracle metadata', url: 'http://192.0.0.192:{P}/' },
  { name: 'RFC 1918 10/8', url: 'http://10.0.0.1:{P}/' },
  { name: 'RFC 1918 172.16/12', url: 'http://172.31.255.255:{P}/' },
  { name: 'RFC 1918 192.168/16', url: 'http://192.168.1.1:{P}/' },
  { name: 'CGNAT', url: 'http://100.64.0.1:{P}/' },
  { name: 'benchmarking 198.18/15', url: 'http://198.19.0.1:{P}/' },
  { name: 'TEST-NET-1', url: 'http://192.0.2.1:{P}/' },
  { name: 'TEST-NET-2', url: 'http://198.51.100.1:{P}/' },
  { name: 'TEST-NET-3', url: 'http://203.0.113.1:{P}/' },
  { name: 'multicast 224.0.0.1', url: 'http://224.0.0.1:{P}/' },
  { name: 'multicast SSDP', url: 'http://239.255.255.250:{P}/' },
  { name: 'broadcast', url: 'http://255.255.255.255:{P}/' },
  { name: 'class E', url: 'http://240.0.0.1:{P}/' },
  { name: '"this network" 0.1.2.3', url: 'http://0.1.2.3:{P}/' },
  // Names refused before DNS
  { name: 'localhost', url: 'http://localhost:{P}/' },
  { name: 'LOCALHOST', url: 'http://LOCALHOST:{P}/' },
  { name: 'localhost.', url: 'http://localhost.:{P}/' },
  { name: 'localhost..', url: 'http://localhost..:{P}/' },
  { name: 'fullwidth localhost', url: 'http://ｌｏｃａｌｈｏｓｔ:{P}/' },
  { name: 'soft hyphen in localhost', url: 'http://local\u00adhost:{P}/' },
  { name: '*.localhost', url: 'http://api.localhost:{P}/' },
  { name: '*.local', url: 'http://printer.local:{P}/' },
  { name: 'metadata.google.internal', url: 'http://metadata.google.internal:{P}/' },
  { name: 'METADATA.GOOGLE.INTERNAL.', url: 'http://METADATA.GOOGLE.INTERNAL.:{P}/' },
  { name: 'percent-encoded trailing dot', url: 'http://metadata.google.internal%2e:{P}/' },
  { name: '*.internal', url: 'http://ip-10-0-0-1.ec2.internal:{P}/' },
  { name: 'single label "metadata"', url: 'http://metadata:{P}/' },
  { name: '*.home.arpa', url: 'http://nas.home.arpa:{P}/' },
  // Userinfo, fragment and parser tricks
  { name: 'userinfo on a public host', url: 'https://user:pass@example.com/', https: true },
  { name: 'public name as userinfo', url: 'http://example.com@127.0.0.1:{P}/' },
  { name: 'empty userinfo', url: 'http://:@127.0.0.1:{P}/' },
  { name: 'fragment @', url: 'http://127.0.0.1:{P}#@example.com/' },
  { name: 'query @', url: 'http://127.0.0.1:{P}?@example.com/' },
  { name: 'backslash @', url: 'http://127.0.0.1:{P}\\@example.com/' },
  { name: 'encoded @ in host', url: 'http://example.com%40127.0.0.1:{P}/' },
  { name: 'NUL in host', url: 'http://127.0.0.1%00.example.com:{P}/' },
  { name: 'five-part number', url: 'http://1.2.3.4.5:{P}/' },
  { name: 'uppercase scheme', url: 'HTTP://127.0.0.1:{P}/' },
  { name: 'not a URL', url: 'not a url' },
  { name: 'scheme-relative', url: '//127.0.0.1:{P}/' },
  // Schemes (https only; no allowances here)
  { name: 'http without the allowance', url: 'http://example.com/', https: true },
  { name: 'ftp', url: 'ftp://example.com/', https: true },
  { name: 'file', url: 'file:///etc/passwd', https: true },
  { name: 'gopher', url: 'gopher://127.0.0.1:{P}/', https: true },
  { name: 'ws', url: 'ws://127.0.0.1:{P}/', https: true },
  { name: 'data', url: 'data:text/plain,hi', https: true },
  { name: 'https to loopback', url: 'https://127.0.0.1:{P}/', https: true },
  // Names whose DNS answers are private (scripted resolver)
  { name: 'resolves private', url: 'http://private.test:{P}/' },
  { name: 'resolves loopback', url: 'http://loop.test:{P}/' },
  { name: 'resolves ::1', url: 'http://loop6.test:{P}/' },
  { name: 'public + private answers', url: 'http://mixed.test:{P}/' },
  { name: 'private answer last of three', url: 'http://mixed-late.test:{P}/' },
  { name: 'private answer first', url: 'http://mixed-first.test:{P}/' },
  { name: 'resolves metadata', url: 'http://meta.test:{P}/' },
  { name: 'resolves IPv4-mapped loopback', url: 'http://mapped.test:{P}/' },
  { name: 'resolves IPv4-compatible loopback', url: 'http://compat.test:{P}/' },
  { name: 'resolves NAT64 metadata', url: 'http://nat64.test:{P}/' },
  { name: 'resolves unique-local', url: 'http://ula.test:{P}/' },
  { name: 'resolves 0.0.0.0', url: 'http://zero.test:{P}/' },
  { name: 'resolves CGNAT', url: 'http://cgnat.test:{P}/' },
  { name: 'resolver answers a non-address', url: 'http://garbage.test:{P}/' },
  { name: 'rebinding: private at the only lookup', url: 'http://rebind-first.test:{P}/' },
  { name: 'public-looking name, metadata answer', url: 'http://metadata.example.com:{P}/' },
  { name: 'nip.io style name', url: 'http://127.0.0.1.nip.test:{P}/' },
  { name: 'uppercase name resolving private', url: 'http://PRIVATE.TEST:{P}/' },
  { name: 'https name resolving loopback', url: 'https://loop.test:{P}/', https: true },
];

describe('egress bypass attempts', () => {
  let listener: CountingListener;
  let sockets: ReturnType<typeof spyOnSockets>;
  const allowHttp = new EgressClient({
    allowances: { allowCidrs: [], allowHosts: [], allowHttp: true },
    resolver,
    connectTimeoutMs: 1000,
  });
  const strict = new EgressClient({ resolver, connectTimeoutMs: 1000 });

  beforeAll(async () => {
    listener = await listenEverywhere();
    sockets = spyOnSockets();
  });
  afterAll(async () => {
    sockets.restore();
    await Promise.all([listener.close(), allowHttp.close(), strict.close()]);
  });

  it('has at least 80 cases', () => expect(CASES.length).toBeGreaterThanOrEqual(80));

  it.each(CASES)('$name: $url', async ({ url, https }) => {
    const client = https ? strict : allowHttp;
    const error = await client.request({ url: url.replace('{P}', String(listener.port)), method: 'GET' }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(EgressError);
    expect(error).toMatchObject({ failure: 'egress_blocked' });
    await new Promise((resolve) => setTimeout(resolve, 5)); // let a stray connection land
    expect(sockets.hosts()).toEqual([]);
    expect(listener.connections()).toBe(0);
  });

  it('judged the scripted names after one lookup per request (the block came from their answers)', () => {
    const expected: Record<string, number> = { 'private.test': 2, 'loop.test': 2, 'mixed.test': 1, 'meta.test': 1 };
    for (const [host, n] of Object.entries(expected)) expect(resolver.callsFor(host)).toBe(n);
  });

  // Runs last: proves the witnesses above would have seen a connection had one been made.
  it('control: an allowed address is connected to, and both witnesses see it', async () => {
    const open = new EgressClient({
      allowances: { allowCidrs: ['127.0.0.1/32', '::1/128'], allowHosts: [], allowHttp: true },
      resolver,
    });
    const attempt = (url: string) => open.request({ url: url.replace('{P}', String(listener.port)), method: 'GET' });
    await expect(attempt('http://127.0.0.1:{P}/')).rejects.toMatchObject({ failure: 'network' });
    await expect(attempt('http://loop.test:{P}/')).rejects.toMatchObject({ failure: 'network' });
    expect(sockets.hosts()).toEqual(['127.0.0.1', '127.0.0.1']);
    expect(listener.connections()).toBe(2);
    await open.close();
  });
});
