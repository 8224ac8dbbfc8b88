import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { withTimeout } from '@conduit/common';
import { buildConnector } from 'undici';
import { compileAllowances, type EgressAllowances } from './egress-allowances';
import { EgressError } from './egress.types';
import { isBlockedAddress } from './ip-policy';
import type { Resolver } from './resolver';
import { checkHost } from './url-policy';

interface PinnedConnectorOptions {
  allowances: EgressAllowances;
  resolver: Resolver;
  connectTimeoutMs: number;
  /** Trusted CAs instead of Node's bundle (tests, private CAs); certificates are always verified. */
  ca?: ConnectionOptions['ca'];
}

// For operator-allowed hostnames every address passes except metadata (and non-addresses).
const ALL_ADDRESSES: EgressAllowances = { allowCidrs: ['0.0.0.0/0', '::/0'], allowHosts: [], allowHttp: false };

/**
 * undici's `connect` hook: the single place a socket is opened. It resolves the host once,
 * refuses the connection if any answer is blocked, then connects to a checked address while TLS
 * keeps the original name for SNI and certificate checks, so a second DNS answer is never used.
 */
export function createPinnedConnector(options: PinnedConnectorOptions): buildConnector.connector {
  const connect = buildConnector({ timeout: options.connectTimeoutMs, ...(options.ca ? { ca: options.ca } : {}) });
  return (target, callback) => {
    pinAddresses(target, options).then(
      (addresses) => connectInTurn(connect, target, addresses, callback),
      (err: unknown) => callback(err instanceof Error ? err : new Error('connect failed'), null),
    );
  };
}

async function pinAddresses(target: buildConnector.Options, options: PinnedConnectorOptions): Promise<string[]> {
  // Checked again here: the agent is the last line, whatever the caller validated before.
  const { allowHttp } = compileAllowances(options.allowances);
  if (target.protocol !== 'https:' && !(allowHttp && target.protocol === 'http:')) {
    throw new EgressError('egress_blocked', 'only https: connections are allowed');
  }
  const host = checkHost(target.hostname, options.allowances);
  if (host.kind === 'address') return [host.address];

  const answers = await resolveOnce(options.resolver, target.hostname, options.connectTimeoutMs);
  if (!Array.isArray(answers) || answers.length === 0) {
    throw new EgressError('network', `${host.name} has no A or AAAA records`);
  }
  const rules = host.operatorAllowed ? ALL_ADDRESSES : options.allowances;
  for (const answer of answers) {
    const reason = isBlockedAddress(String(answer), rules);
    if (reason)
      throw new EgressError('egress_blocked', `${host.name} resolves to ${answer}, which is not allowed: ${reason}`);
  }
  return answers;
}

async function resolveOnce(resolver: Resolver, hostname: string, timeoutMs: number): Promise<string[]> {
  try {
    return await withTimeout(resolver.resolve(hostname), timeoutMs, () => {
      throw new EgressError('timeout', `DNS lookup for ${hostname} timed out after ${timeoutMs} ms`);
    });
  } catch (err) {
    if (err instanceof EgressError) throw err;
    const code = (err as { code?: unknown }).code;
    const detail = typeof code === 'string' && /^[A-Z_]{1,40}$/.test(code) ? ` (${code})` : '';
    throw new EgressError('network', `could not resolve ${hostname}${detail}`);
  }
}

/** The first answer, then the first of the other family as a fallback (e.g. no IPv6 route). */
function candidatesOf(addresses: string[]): string[] {
  const first = addresses[0];
  const other = addresses.find((a) => isIP(a) !== isIP(first));
  return other ? [first, other] : [first];
}

function connectInTurn(
  connect: buildConnector.connector,
  target: buildConnector.Options,
  addresses: string[],
  callback: buildConnector.Callback,
): void {
  // SNI and certificate checks use the name the caller asked for, never the pinned address.
  // (No trailing dot: SNI carries the name without it, and certificates are matched without it.)
  const name = target.hostname.replace(/\.+$/, '');
  const servername = isIP(target.hostname) ? target.servername : (target.servername ?? name);
  const candidates = candidatesOf(addresses);
  const attempt = (index: number): void => {
    const next = (err: Error) => (index + 1 < candidates.length ? attempt(index + 1) : callback(err, null));
    try {
      connect({ ...target, hostname: candidates[index], servername }, (...result) =>
        result[0] === null ? callback(null, result[1]) : next(result[0]),
      );
    } catch (err) {
      next(err instanceof Error ? err : new Error('connect failed'));
    }
  };
  attempt(0);
}
