import { EgressError } from './egress.types';

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);
const TIMEOUT_TEXT: Record<string, string> = {
  UND_ERR_CONNECT_TIMEOUT: 'timed out connecting to',
  UND_ERR_HEADERS_TIMEOUT: 'timed out waiting for response headers from',
  UND_ERR_BODY_TIMEOUT: 'timed out reading the response body from',
};

/**
 * Any failure of an exchange as an EgressError. The message is built from the host and the
 * error code only: undici and Node messages are never passed on, so no URL, query string or
 * header value (where keys live) can leak through them.
 */
export function toEgressError(err: unknown, host: string, signal?: AbortSignal): EgressError {
  if (err instanceof EgressError) return err;
  if (signal?.aborted) return new EgressError('timeout', `request to ${host} was aborted by the caller's deadline`);
  const { code, name } = (err ?? {}) as { code?: unknown; name?: unknown };
  const safeCode = typeof code === 'string' && /^[A-Z0-9_]{1,60}$/.test(code) ? code : undefined;
  if ((safeCode && TIMEOUT_CODES.has(safeCode)) || name === 'TimeoutError') {
    return new EgressError('timeout', `${TIMEOUT_TEXT[safeCode ?? ''] ?? 'timed out talking to'} ${host}`);
  }
  if (name === 'AbortError' || safeCode === 'UND_ERR_ABORTED') {
    return new EgressError('timeout', `request to ${host} was aborted`);
  }
  return new EgressError('network', `could not complete the request to ${host}${safeCode ? ` (${safeCode})` : ''}`);
}
