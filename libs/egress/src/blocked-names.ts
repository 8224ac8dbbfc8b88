/**
 * Hostnames refused before any DNS lookup: they name this machine or a private network by
 * convention, so no public provider lives there. Names are compared lower-cased without
 * trailing dots (the WHATWG parser already lower-cases and maps IDNA look-alikes).
 */
const BLOCKED_NAMES: readonly { name: string; why: string }[] = [
  { name: 'localhost', why: 'this host (RFC 6761)' },
  { name: 'metadata.google.internal', why: 'GCP metadata service' },
  { name: 'metadata', why: 'resolves to the metadata service through GCP search domains' },
  { name: 'instance-data', why: 'resolves to the metadata service through AWS search domains' },
];

/** A name ending in one of these (or equal to it without the dot) is refused. */
const BLOCKED_SUFFIXES: readonly { suffix: string; why: string }[] = [
  { suffix: '.localhost', why: 'this host (RFC 6761)' },
  { suffix: '.local', why: 'multicast DNS on the local link (RFC 6762)' },
  { suffix: '.internal', why: 'private-use TLD; cloud-internal DNS (metadata.google.internal, *.ec2.internal)' },
  { suffix: '.localdomain', why: 'conventional name of the local host' },
  { suffix: '.home.arpa', why: 'home networks (RFC 8375)' },
  { suffix: '.lan', why: 'never delegated; used for local networks' },
  { suffix: '.home', why: 'never delegated (name collision); used for local networks' },
  { suffix: '.corp', why: 'never delegated (name collision); used for corporate networks' },
];

/** Why the (canonical) name is refused before DNS, or null. */
export function blockedNameReason(name: string): string | null {
  const exact = BLOCKED_NAMES.find((n) => n.name === name);
  if (exact) return exact.why;
  const suffix = BLOCKED_SUFFIXES.find((s) => name.endsWith(s.suffix) || name === s.suffix.slice(1));
  if (suffix) return `${suffix.why} (*${suffix.suffix})`;
  // A dotless name goes through the resolver's search domains: it can only be a local name.
  if (!name.includes('.')) return 'single-label name, resolved through local search domains';
  return null;
}
