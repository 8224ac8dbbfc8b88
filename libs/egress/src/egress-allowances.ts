import ipaddr from 'ipaddr.js';

/**
 * What an operator of a self-hosted deployment may open up (EGRESS_ALLOW_CIDRS,
 * EGRESS_ALLOW_HOSTS, EGRESS_ALLOW_HTTP). The same shape as `AppConfig.egress`, so the config
 * section can be passed as is. The default allows nothing.
 */
export interface EgressAllowances {
  /** Addresses allowed even inside a blocked range. Cloud metadata addresses stay blocked. */
  allowCidrs: readonly string[];
  /** Exact hostnames (case-insensitive, trailing dot ignored) that skip the name and address rules. */
  allowHosts: readonly string[];
  /** Plain `http:` besides `https:`. */
  allowHttp: boolean;
}

export const NO_ALLOWANCES: EgressAllowances = Object.freeze({ allowCidrs: [], allowHosts: [], allowHttp: false });

interface CompiledAllowances {
  cidrs: [ipaddr.IPv4 | ipaddr.IPv6, number][];
  hosts: Set<string>;
  allowHttp: boolean;
}

/** Lower-cased, trailing dots dropped: the form names are compared in. */
export function canonicalHostname(host: string): string {
  return host.toLowerCase().replace(/\.+$/, '');
}

// Compiled once per allowances object; a bad CIDR throws here, so a misconfiguration stops the boot.
const compiled = new WeakMap<EgressAllowances, CompiledAllowances>();

export function compileAllowances(allowances: EgressAllowances): CompiledAllowances {
  const cached = compiled.get(allowances);
  if (cached) return cached;
  const cidrs = allowances.allowCidrs.map((cidr): [ipaddr.IPv4 | ipaddr.IPv6, number] => {
    try {
      return ipaddr.parseCIDR(cidr.trim());
    } catch {
      throw new Error(`EGRESS_ALLOW_CIDRS: "${cidr}" is not a CIDR (like 10.0.0.0/8 or fd00::/8)`);
    }
  });
  const result: CompiledAllowances = {
    cidrs,
    hosts: new Set(allowances.allowHosts.map(canonicalHostname).filter(Boolean)),
    allowHttp: allowances.allowHttp,
  };
  compiled.set(allowances, result);
  return result;
}

/** The start-up log lines; none when nothing is allowed. */
export function describeAllowances(allowances: EgressAllowances): string[] {
  const lines: string[] = [];
  if (allowances.allowHttp) lines.push('egress: allowing plain http: (EGRESS_ALLOW_HTTP)');
  if (allowances.allowCidrs.length > 0) {
    lines.push(`egress: allowing CIDRs ${allowances.allowCidrs.join(', ')} (EGRESS_ALLOW_CIDRS)`);
  }
  if (allowances.allowHosts.length > 0) {
    lines.push(`egress: allowing hosts ${allowances.allowHosts.join(', ')} (EGRESS_ALLOW_HOSTS)`);
  }
  return lines;
}
