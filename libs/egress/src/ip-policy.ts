import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { BLOCKED_RANGES, IPV4_WRAPPERS, METADATA_ADDRESSES, type Ipv4Wrapper } from './blocked-ranges';
import { compileAllowances, NO_ALLOWANCES, type EgressAllowances } from './egress-allowances';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Cidr = [Address, number];

const table: { range: Cidr; label: string }[] = BLOCKED_RANGES.map(({ cidr, why }) => ({
  range: ipaddr.parseCIDR(cidr),
  label: `${why} (${cidr})`,
}));
const wrappers = IPV4_WRAPPERS.map(({ cidr, wrapper }) => ({ range: ipaddr.parseCIDR(cidr), wrapper }));
const metadata = new Set(METADATA_ADDRESSES.map((a) => ipaddr.parse(a).toNormalizedString()));

/** An IPv6 address that carries IPv4 addresses: judged by those, not by its own form. */
interface NormalizedAddress {
  /** The address as parsed (zone id dropped). */
  address: Address;
  /** Set when `address` is an IPv6 form wrapping IPv4 (mapped, compatible, NAT64, 6to4, Teredo). */
  wrapper?: Ipv4Wrapper;
  /** The IPv4 addresses inside (Teredo has two: server and client); empty when not wrapped. */
  embedded: ipaddr.IPv4[];
  /** Local-use NAT64 with bits set between /48 and /96: where its IPv4 sits cannot be known. */
  ambiguous?: boolean;
}

function inRange(address: Address, [network, bits]: Cidr): boolean {
  return address.kind() === network.kind() && address.match(network, bits);
}

/**
 * Parses strictly (only what the socket layer itself accepts: dotted-quad IPv4 or IPv6, so
 * "0x7f.1" is not an address here; URLs are normalised by the WHATWG parser before this) and
 * unwraps the IPv6 forms that carry an IPv4 address. Returns null for anything else.
 */
export function normalizeAddress(ip: string): NormalizedAddress | null {
  const version = isIP(ip);
  if (version === 0) return null;
  if (version === 4) return { address: ipaddr.IPv4.parse(ip), embedded: [] };
  const v6 = ipaddr.IPv6.parse(hexTail(ip.replace(/%.*$/, '')));
  const bytes = v6.toByteArray();
  const v4At = (offset: number, invert = false) =>
    new ipaddr.IPv4(bytes.slice(offset, offset + 4).map((b) => (invert ? b ^ 0xff : b)));
  // :: and ::1 sit inside ::/96 but are their own thing (unspecified, loopback).
  if (bytes.slice(0, 15).every((b) => b === 0) && bytes[15] <= 1) return { address: v6, embedded: [] };
  const wrapper = wrappers.find((w) => inRange(v6, w.range))?.wrapper;
  switch (wrapper) {
    case undefined:
      return { address: v6, embedded: [] };
    case '6to4':
      return { address: v6, wrapper, embedded: [v4At(2)] };
    case 'teredo':
      return { address: v6, wrapper, embedded: [v4At(4), v4At(12, true)] };
    case 'nat64-local':
      // Only the /96 layout (bits 48-95 zero) can be read without knowing the local prefix.
      return { address: v6, wrapper, embedded: [v4At(12)], ambiguous: bytes.slice(6, 12).some((b) => b !== 0) };
    default:
      return { address: v6, wrapper, embedded: [v4At(12)] };
  }
}

/**
 * "::a.b.c.d" → "::xxxx:yyyy". ipaddr.js reads "::127.0.0.1" as the IPv4-mapped ::ffff:127.0.0.1,
 * while the socket layer connects to the IPv4-compatible ::7f00:1; hex groups parse unambiguously.
 */
function hexTail(ip: string): string {
  const match = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!match) return ip;
  const [a, b, c, d] = match.slice(2).map(Number);
  return `${match[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

/** Why a plain (unwrapped) address is blocked, or null for a public unicast address. */
function plainReason(address: Address): string | null {
  const hit = table.find((row) => inRange(address, row.range));
  if (hit) return hit.label;
  // Belt and braces: whatever ipaddr.js knows as special and the table missed.
  const range = address.range();
  return range === 'unicast' ? null : `special-purpose range (${range})`;
}

function isMetadata(address: Address): boolean {
  return metadata.has(address.toNormalizedString());
}

/**
 * Why `ip` must not be connected to, or null when it may be. Rules, in order:
 * 1. not a literal IPv4/IPv6 address → blocked;
 * 2. a cloud metadata address, as written or inside a wrapper → blocked, whatever is allowed;
 * 3. inside an operator-allowed CIDR (as written, or every IPv4 it wraps) → allowed;
 * 4. an IPv4-carrying IPv6 form → judged by the IPv4 inside (IPv4-compatible ::/96 always blocked);
 * 5. otherwise blocked when in BLOCKED_RANGES or not `unicast` for ipaddr.js.
 */
export function isBlockedAddress(ip: string, allowances: EgressAllowances = NO_ALLOWANCES): string | null {
  const normalized = normalizeAddress(ip);
  if (!normalized) return 'not an IP address';
  const { address, wrapper, embedded, ambiguous } = normalized;
  if (isMetadata(address) || embedded.some(isMetadata)) return 'cloud metadata address (always blocked)';

  const allowed = compileAllowances(allowances).cidrs;
  const isAllowed = (a: Address) => allowed.some((cidr) => inRange(a, cidr));
  if (isAllowed(address)) return null;
  if (!wrapper) return plainReason(address);
  if (ambiguous) return 'local-use NAT64 (64:ff9b:1::/48) outside the /96 layout; allow it by CIDR if you use it';

  for (const inner of embedded) {
    const reason = isAllowed(inner) ? null : plainReason(inner);
    if (reason) return `${wrapper} form of ${inner.toString()}: ${reason}`;
  }
  if (embedded.every(isAllowed)) return null;
  return wrapper === 'ipv4-compatible' ? plainReason(address) : null;
}
