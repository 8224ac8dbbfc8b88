/**
 * The one table of addresses egress refuses, one line of why per range. ip-policy.ts applies it
 * after unwrapping IPv6 forms that carry an IPv4 address (see IPV4_WRAPPERS below), and on top
 * of it blocks anything ipaddr.js does not call `unicast`, so a range missing here still fails
 * closed. The first matching line names the reason, so narrow lines come before wide ones.
 */
interface BlockedRange {
  cidr: string;
  why: string;
}

export const BLOCKED_RANGES: readonly BlockedRange[] = [
  // IPv4 (RFC 6890 special-purpose registry, plus what clouds put inside it)
  { cidr: '0.0.0.0/8', why: '"this network"; 0.0.0.0 reaches the local host on Linux' },
  { cidr: '10.0.0.0/8', why: 'private network (RFC 1918)' },
  { cidr: '100.64.0.0/10', why: 'carrier-grade NAT (RFC 6598); holds Alibaba metadata 100.100.100.200' },
  { cidr: '127.0.0.0/8', why: 'loopback: this host' },
  { cidr: '169.254.0.0/16', why: 'link-local; cloud metadata services live here' },
  { cidr: '172.16.0.0/12', why: 'private network (RFC 1918)' },
  { cidr: '192.0.0.0/24', why: 'IETF protocol assignments; holds Oracle metadata 192.0.0.192' },
  { cidr: '192.0.2.0/24', why: 'documentation (TEST-NET-1)' },
  { cidr: '192.31.196.0/24', why: 'AS112 DNS sink (RFC 7535)' },
  { cidr: '192.52.193.0/24', why: 'AMT relay anycast (RFC 7450)' },
  { cidr: '192.88.99.0/24', why: 'deprecated 6to4 relay anycast (RFC 7526)' },
  { cidr: '192.168.0.0/16', why: 'private network (RFC 1918)' },
  { cidr: '192.175.48.0/24', why: 'AS112 DNS sink (RFC 7534)' },
  { cidr: '198.18.0.0/15', why: 'benchmarking (RFC 2544); often routed inside data centres' },
  { cidr: '198.51.100.0/24', why: 'documentation (TEST-NET-2)' },
  { cidr: '203.0.113.0/24', why: 'documentation (TEST-NET-3)' },
  { cidr: '224.0.0.0/4', why: 'multicast' },
  { cidr: '255.255.255.255/32', why: 'limited broadcast' },
  { cidr: '240.0.0.0/4', why: 'reserved for future use (class E)' },

  // IPv6, judged as written (the IPv4-carrying prefixes are unwrapped before this table)
  { cidr: '::/128', why: 'unspecified address; reaches the local host' },
  { cidr: '::1/128', why: 'loopback: this host' },
  { cidr: '::/96', why: 'IPv4-compatible IPv6 (deprecated, RFC 4291)' },
  { cidr: '100::/64', why: 'discard-only (RFC 6666)' },
  { cidr: '100:0:0:1::/64', why: 'dummy prefix (RFC 9780)' },
  { cidr: '5f00::/16', why: 'SRv6 segment identifiers (RFC 9602)' },
  { cidr: 'fc00::/7', why: 'unique-local (RFC 4193); holds AWS metadata fd00:ec2::254' },
  { cidr: 'fe80::/10', why: 'link-local' },
  { cidr: 'fec0::/10', why: 'site-local (deprecated, RFC 3879)' },
  { cidr: 'ff00::/8', why: 'multicast' },
  // ipaddr.js calls much of this "unicast"; only 2000::/3 is allocated as global unicast.
  { cidr: '::/3', why: 'outside global unicast 2000::/3' },
  { cidr: '4000::/2', why: 'outside global unicast 2000::/3' },
  { cidr: '8000::/1', why: 'outside global unicast 2000::/3' },
  { cidr: '2001::/23', why: 'IETF protocol assignments (benchmarking, ORCHID, AMT, AS112...)' },
  { cidr: '2001:db8::/32', why: 'documentation (RFC 3849)' },
  { cidr: '2620:4f:8000::/48', why: 'AS112 DNS sink (RFC 7534)' },
  { cidr: '3fff::/20', why: 'documentation (RFC 9637)' },
];

/**
 * Cloud metadata endpoints. Always blocked, even inside an operator's allowed CIDR or behind an
 * allowed hostname: an instance's credentials are never a provider.
 */
export const METADATA_ADDRESSES: readonly string[] = [
  '169.254.169.254', // AWS, GCP, Azure IMDS, DigitalOcean, OpenStack...
  '169.254.170.2', // AWS ECS task metadata and credentials
  '169.254.170.23', // AWS EKS pod identity agent
  '169.254.0.23', // Tencent Cloud metadata
  '100.100.100.200', // Alibaba Cloud metadata
  '168.63.129.16', // Azure WireServer: a public address, so only this line blocks it
  '192.0.0.192', // Oracle Cloud metadata
  'fd00:ec2::254', // AWS IMDS over IPv6
  'fd00:ec2::23', // AWS EKS pod identity agent over IPv6
  'fd20:ce::254', // GCP metadata over IPv6
];

/**
 * IPv6 prefixes that carry an IPv4 address and reach it (by the kernel, a NAT64 gateway or a
 * tunnel relay). Such an address is judged by the IPv4 inside, never by its IPv6 form.
 */
export type Ipv4Wrapper =
  'ipv4-mapped' | 'ipv4-translated' | 'ipv4-compatible' | 'nat64' | 'nat64-local' | '6to4' | 'teredo';

export const IPV4_WRAPPERS: readonly { cidr: string; wrapper: Ipv4Wrapper; why: string }[] = [
  { cidr: '::ffff:0:0/96', wrapper: 'ipv4-mapped', why: 'the kernel connects to the IPv4 in the low 32 bits' },
  { cidr: '::ffff:0:0:0/96', wrapper: 'ipv4-translated', why: 'SIIT (RFC 6145): IPv4 in the low 32 bits' },
  { cidr: '::/96', wrapper: 'ipv4-compatible', why: 'deprecated form with the IPv4 in the low 32 bits' },
  { cidr: '64:ff9b::/96', wrapper: 'nat64', why: 'well-known NAT64 prefix (RFC 6052): IPv4 in the low 32 bits' },
  {
    cidr: '64:ff9b:1::/48',
    wrapper: 'nat64-local',
    why: 'local-use NAT64 (RFC 8215); the IPv4 position depends on the local prefix length',
  },
  { cidr: '2002::/16', wrapper: '6to4', why: '6to4 (RFC 3056): IPv4 in bits 16-47' },
  {
    cidr: '2001::/32',
    wrapper: 'teredo',
    why: 'Teredo (RFC 4380): server IPv4, and client IPv4 inverted in the low 32 bits',
  },
];
