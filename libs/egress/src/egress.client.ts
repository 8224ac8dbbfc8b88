import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { ConnectionOptions } from 'node:tls';
import { Agent, request } from 'undici';
import { compileAllowances, describeAllowances, NO_ALLOWANCES, type EgressAllowances } from './egress-allowances';
import { toEgressError } from './egress-errors';
import { EgressError, type EgressRequest, type EgressResponse } from './egress.types';
import { createPinnedConnector } from './pinned-connector';
import { readCappedBody } from './read-capped-body';
import { DnsResolver, type Resolver } from './resolver';
import { checkUrl } from './url-policy';

const EGRESS_DEFAULTS = {
  connectTimeoutMs: 10_000,
  // Generous: a long completion sends its headers only when done. Callers pass their own deadline.
  headersTimeoutMs: 300_000,
  bodyTimeoutMs: 300_000,
  maxBodyBytes: 10 * 1024 * 1024,
} as const;

interface EgressClientOptions {
  /** Operator allowances; `AppConfig.egress` fits. Default: none. */
  allowances?: EgressAllowances;
  /** Default: the system resolver. */
  resolver?: Resolver;
  /** DNS lookup plus TCP/TLS connect, each bounded by this. */
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  /** Longest silence while the body streams. */
  bodyTimeoutMs?: number;
  /** Default response body cap; a request may lower or raise it. */
  maxBodyBytes?: number;
  /** Trusted CAs instead of Node's bundle (tests, private CAs). */
  ca?: ConnectionOptions['ca'];
}

/** Stand-in for `AppConfig` (only its egress section is read), so tests need no full config. */
interface EgressConfigSource {
  egress: EgressAllowances;
}

/**
 * The one way out to the network. Owns one undici Agent whose connector resolves, checks and
 * pins every connection; requests never follow redirects and never read past the body cap.
 */
export class EgressClient implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Egress');
  private readonly allowances: EgressAllowances;
  private readonly maxBodyBytes: number;
  private readonly agent: Agent;

  constructor(options: EgressClientOptions = {}) {
    this.allowances = options.allowances ?? NO_ALLOWANCES;
    compileAllowances(this.allowances); // a bad CIDR fails here, at boot
    this.maxBodyBytes = options.maxBodyBytes ?? EGRESS_DEFAULTS.maxBodyBytes;
    this.agent = new Agent({
      connect: createPinnedConnector({
        allowances: this.allowances,
        resolver: options.resolver ?? new DnsResolver(),
        connectTimeoutMs: options.connectTimeoutMs ?? EGRESS_DEFAULTS.connectTimeoutMs,
        ca: options.ca,
      }),
      headersTimeout: options.headersTimeoutMs ?? EGRESS_DEFAULTS.headersTimeoutMs,
      bodyTimeout: options.bodyTimeoutMs ?? EGRESS_DEFAULTS.bodyTimeoutMs,
    });
  }

  static fromConfig(config: EgressConfigSource, resolver: Resolver): EgressClient {
    return new EgressClient({ allowances: config.egress, resolver });
  }

  /** Logs every allowance once at start-up; nothing when none is set. */
  onModuleInit(): void {
    for (const line of describeAllowances(this.allowances)) this.logger.warn(line);
  }

  /**
   * The last step of shutdown: the worker's calls have finished (or were cut short) in
   * `beforeApplicationShutdown`; closing earlier would fail calls still allowed to run.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /**
   * Sends one request. Resolves with any final status (4xx and 5xx included); rejects with an
   * EgressError: `egress_blocked` (refused target), `timeout` or `network` (3xx, oversize body,
   * socket and TLS failures).
   */
  async request(req: EgressRequest): Promise<EgressResponse> {
    const url = checkUrl(req.url, this.allowances);
    const host = url.hostname;
    const limit = req.maxBodyBytes ?? this.maxBodyBytes;
    if (Object.keys(req.headers ?? {}).some((name) => name.toLowerCase() === 'host')) {
      throw new EgressError('egress_blocked', 'the Host header cannot be set; it always names the URL host');
    }
    try {
      const res = await request(url, {
        dispatcher: this.agent,
        method: req.method,
        headers: req.headers,
        body: req.body,
        signal: req.signal,
      });
      if (res.statusCode >= 300 && res.statusCode < 400) {
        res.body.on('error', () => undefined).destroy(); // unread: the socket is dropped, not reused
        throw this.redirectError(url, res.statusCode, res.headers.location);
      }
      const body = await readCappedBody(res.body, limit, host, res.headers['content-length']);
      return { status: res.statusCode, headers: flattenHeaders(res.headers), body };
    } catch (err) {
      throw toEgressError(err, host, req.signal);
    }
  }

  /** 3xx is never followed: `egress_blocked` when it points at a blocked target, else `network`. */
  private redirectError(from: URL, status: number, location: string | string[] | undefined): EgressError {
    const prefix = `${from.hostname} answered with a redirect (HTTP ${status}), which is not followed`;
    const target = Array.isArray(location) ? location[0] : location;
    if (target) {
      try {
        checkUrl(new URL(target, from).href, this.allowances);
      } catch (err) {
        if (err instanceof EgressError)
          return new EgressError('egress_blocked', `${prefix}; its target: ${err.message}`);
        // An unparseable Location is just a redirect.
      }
    }
    return new EgressError('network', prefix);
  }
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
