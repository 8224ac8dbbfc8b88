import ipaddr from 'ipaddr.js';
import { BLOCKED_RANGES, METADATA_ADDRESSES } from './blocked-ranges';
import { describeAllowances, type EgressAllowances } from './egress-allowances';
import { isBlockedAddress, normalizeAddress } from './ip-policy';

const allow = (allowCidrs: string[]): EgressAllowances => ({ allowCidrs, allowHosts: [], allowHttp: false });

describe('isBlockedAddress', () => {
  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '104.18.6.192',
    '2606:4700:4700::1111',
    '2a00:1450:4001:82b::200e',
    '2001:4860:4860::8888',
    '::ffff:8.8.8.8', // IPv4-mapped: judged by the public IPv4 inside
    '64:ff9b::808:808', // NAT64 of 8.8.8.8 (DNS64 networks)
    '64:ff9b:1::808:808',
    '2002:808:808::1', // 6to4 of 8.8.8.8
    '2001:0:4136:e378:8000:63bf:f7f7:f7f7', // Teredo: public server and client
  ])('lets the public address %s pass', (ip) => expect(isBlockedAddress(ip)).toBeNull());

  it.each([
    ['127.0.0.1', 'loopback'],
    ['0.0.0.0', 'this network'],
    ['10.1.2.3', 'RFC 1918'],
    ['100.100.100.200', 'metadata'],
    ['168.63.129.16', 'metadata'],
    ['169.254.169.254', 'metadata'],
    ['198.18.0.1', 'benchmarking'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.251', 'multicast'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['::127.0.0.1', 'ipv4-compatible form of 127.0.0.1'], // not read as ::ffff:127.0.0.1
    ['::8.8.8.8', 'IPv4-compatible IPv6'], // ::/96 is blocked by hand even around a public IPv4
    ['::ffff:10.0.0.1', 'ipv4-mapped form of 10.0.0.1'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['64:ff9b:1:7f00:1::', 'local-use NAT64'],
    ['2002:c0a8:101::1', '6to4 form of 192.168.1.1'],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'teredo form of 127.0.0.1'],
    ['fe80::1%eth0', 'link-local'],
    ['fd00:ec2::254', 'metadata'],
    ['fc00::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['100:0:0:1::1', 'dummy prefix'],
    ['4000::1', 'outside global unicast'],
    ['2001:db8::1', 'documentation'],
    ['2001:2::1', 'IETF protocol assignments'],
    ['0x7f.1', 'not an IP address'], // only the socket layer's own spelling is an address here
    ['localhost', 'not an IP address'],
    ['', 'not an IP address'],
  ])('blocks %s (%s)', (ip, reason) => expect(isBlockedAddress(ip)).toContain(reason));

  it('lets an operator CIDR allow a private range, in plain and wrapped forms', () => {
    const rules = allow(['10.0.0.0/8', 'fd12::/16']);
    expect(isBlockedAddress('10.2.3.4', rules)).toBeNull();
    expect(isBlockedAddress('::ffff:10.2.3.4', rules)).toBeNull();
    expect(isBlockedAddress('fd12::5', rules)).toBeNull();
    expect(isBlockedAddress('192.168.1.1', rules)).toContain('RFC 1918');
  });

  it('never allows metadata addresses, whatever the operator allows', () => {
    const everything = allow(['0.0.0.0/0', '::/0']);
    expect(isBlockedAddress('127.0.0.1', everything)).toBeNull();
    for (const ip of METADATA_ADDRESSES) expect(isBlockedAddress(ip, everything)).toContain('metadata');
    expect(isBlockedAddress('::ffff:169.254.169.254', everything)).toContain('metadata');
    expect(isBlockedAddress('2002:a9fe:a9fe::1', everything)).toContain('metadata');
  });

  it('has a parseable table whose every network address is blocked', () => {
    for (const { cidr, why } of BLOCKED_RANGES) {
      expect(why.length).toBeGreaterThan(5);
      const [network] = ipaddr.parseCIDR(cidr);
      expect(isBlockedAddress(network.toString())).not.toBeNull();
    }
  });
});

describe('normalizeAddress', () => {
  it.each([
    ['::ffff:127.0.0.1', 'ipv4-mapped', ['127.0.0.1']],
    ['::ffff:0:7f00:1', 'ipv4-translated', ['127.0.0.1']],
    ['::7f00:1', 'ipv4-compatible', ['127.0.0.1']],
    ['::127.0.0.1', 'ipv4-compatible', ['127.0.0.1']],
    ['64:ff9b::7f00:1', 'nat64', ['127.0.0.1']],
    ['2002:7f00:1::', '6to4', ['127.0.0.1']],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'teredo', ['65.54.227.120', '127.0.0.1']], // client XOR 0xffffffff
  ])('unwraps %s (%s)', (ip, wrapper, embedded) => {
    const result = normalizeAddress(ip);
    expect(result?.wrapper).toBe(wrapper);
    expect(result?.embedded.map(String)).toEqual(embedded);
  });

  it('leaves plain addresses alone and refuses non-addresses', () => {
    expect(normalizeAddress('2606:4700::1')).toMatchObject({ embedded: [] });
    expect(normalizeAddress('::1')?.wrapper).toBeUndefined();
    expect(normalizeAddress('127.1')).toBeNull();
  });
});

describe('describeAllowances', () => {
  it('says nothing when nothing is allowed, and names every allowance otherwise', () => {
    expect(describeAllowances({ allowCidrs: [], allowHosts: [], allowHttp: false })).toEqual([]);
    expect(describeAllowances({ allowCidrs: ['10.0.0.0/8'], allowHosts: ['ollama'], allowHttp: true })).toEqual([
      'egress: allowing plain http: (EGRESS_ALLOW_HTTP)',
      'egress: allowing CIDRs 10.0.0.0/8 (EGRESS_ALLOW_CIDRS)',
      'egress: allowing hosts ollama (EGRESS_ALLOW_HOSTS)',
    ]);
  });
});
