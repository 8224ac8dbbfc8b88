interface RetryDelayOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  random?: () => number;
}

/**
 * How long to wait before call number `callNumber + 1` to the same target.
 * A provider's own retry hint wins (capped); otherwise exponential backoff with full jitter,
 * which spreads many workers' retries instead of having them hit the provider together.
 */
export function retryDelayMs(
  callNumber: number,
  retryAfterMs: number | undefined,
  { baseDelayMs, maxDelayMs, random = Math.random }: RetryDelayOptions,
): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0) return Math.min(retryAfterMs, maxDelayMs);
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (callNumber - 1));
  return Math.floor(random() * ceiling);
}
