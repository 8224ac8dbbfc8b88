import { request } from 'undici';
import { EgressError, type EgressRequest, type EgressResponse } from '@conduit/egress';
import type { HttpTransport } from '@conduit/providers';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * An HttpTransport for tests: plain http to loopback only, failures reported as EgressError
 * exactly as the real EgressClient reports them (egress_blocked, timeout, network).
 */
export class LoopbackTransport implements HttpTransport {
  readonly sent: EgressRequest[] = [];

  async request(req: EgressRequest): Promise<EgressResponse> {
    this.sent.push(req);
    const url = new URL(req.url);
    if (!LOOPBACK_HOSTS.has(url.hostname))
      throw new EgressError('egress_blocked', `loopback transport: ${url.hostname} is not a loopback host`);
    try {
      const response = await request(url, {
        method: req.method,
        headers: req.headers,
        body: req.body,
        signal: req.signal,
      });
      const limit = req.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body) {
        size += (chunk as Buffer).length;
        if (size > limit) {
          response.body.destroy();
          throw new EgressError('network', `response body larger than ${limit} bytes`);
        }
        chunks.push(chunk as Buffer);
      }
      return { status: response.statusCode, headers: flatHeaders(response.headers), body: Buffer.concat(chunks) };
    } catch (error) {
      if (error instanceof EgressError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      if (req.signal?.aborted) throw new EgressError('timeout', `request aborted: ${message}`);
      throw new EgressError('network', message);
    }
  }
}

function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
