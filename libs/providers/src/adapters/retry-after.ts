/**
 * Retry hints, in milliseconds.
 *
 * Rules (after openai-node): `retry-after-ms` wins, else `retry-after` as seconds or an HTTP date.
 * A negative, past or unreadable hint is no hint (undefined: the executor backs off on its own).
 * Large hints are kept as given: the executor caps every wait at its own maximum, and a long
 * hint still tells it that this target will not recover soon.
 */
export function parseRetryAfterMs(headers: Record<string, string>, now: number = Date.now()): number | undefined {
  const ms = headers['retry-after-ms'];
  if (ms !== undefined && isNumeric(ms)) return nonNegative(Number(ms));

  const value = headers['retry-after'];
  if (value === undefined) return undefined;
  if (isNumeric(value)) return nonNegative(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : nonNegative(date - now);
}

/** A google.protobuf.Duration in JSON form, as in Gemini's `RetryInfo.retryDelay`: "31s", "1.5s". */
export function parseGoogleDurationMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)s\s*$/.exec(value);
  return match ? nonNegative(Number(match[1]) * 1000) : undefined;
}

function isNumeric(value: string): boolean {
  return /^\s*-?\d+(\.\d+)?\s*$/.test(value);
}

function nonNegative(ms: number): number | undefined {
  return Number.isFinite(ms) && ms >= 0 ? Math.round(ms) : undefined;
}
