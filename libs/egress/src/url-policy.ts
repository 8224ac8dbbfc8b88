import { isIP } from 'node:net';
import { blockedNameReason } from './blocked-names';
import { canonicalHostname, compileAllowances, NO_ALLOWANCES, type EgressAllowances } from './egress-allowances';
import { EgressError } from './egress.types';
import { isBlockedAddress } from './ip-policy';

/** A host that passed the static rules: a literal address, or a name still to be resolved. */
type CheckedHost = { kind: 'address'; address: string } | { kind: 'name'; name: string; operatorAllowed: boolean };

const blocked = (message: string) => new EgressError('egress_blocked', message);

/**
 * The DNS-free host rules, shared by the URL check and the connector: literal addresses are
 * judged directly (undici never resolves them), names are refused when they are local by
 * convention unless the operator allowed that exact name.
 */
export function checkHost(hostname: string, allowances: EgressAllowances = NO_ALLOWANCES): CheckedHost {
  const unbracketed = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  if (isIP(unbracketed) !== 0) {
    const reason = isBlockedAddress(unbracketed, allowances);
    if (reason) throw blocked(`${unbracketed} is not allowed: ${reason}`);
    return { kind: 'address', address: unbracketed };
  }
  const name = canonicalHostname(unbracketed);
  if (compileAllowances(allowances).hosts.has(name)) return { kind: 'name', name, operatorAllowed: true };
  const reason = blockedNameReason(name);
  if (reason) throw blocked(`${name || 'an empty host'} is not allowed: ${reason}`);
  return { kind: 'name', name, operatorAllowed: false };
}

/**
 * Parses with the WHATWG parser (the one undici uses, so both see the same host) and applies
 * every rule that needs no DNS. Throws EgressError('egress_blocked'); messages never echo the
 * URL, whose path or query may carry a key.
 */
export function checkUrl(url: string, allowances: EgressAllowances = NO_ALLOWANCES): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw blocked('the URL could not be parsed (malformed hosts and IPv6 zone ids are refused)');
  }
  const { allowHttp } = compileAllowances(allowances);
  if (parsed.protocol !== 'https:' && !(allowHttp && parsed.protocol === 'http:')) {
    // The scheme is not echoed: a pasted key like "sk-x:y" parses as one.
    throw blocked(allowHttp ? 'only https: and http: URLs are allowed' : 'only https: URLs are allowed');
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw blocked('URLs with credentials (user@host) are refused');
  }
  checkHost(parsed.hostname, allowances);
  return parsed;
}

/**
 * For the API when a connection's base URL is created or updated: the same static rules as
 * every request (https, no userinfo, no local names, no blocked literal addresses), no DNS.
 * Names are resolved and checked again at every connection.
 */
export function assertUrlAllowedStatically(url: string, allowances: EgressAllowances = NO_ALLOWANCES): void {
  checkUrl(url, allowances);
}
