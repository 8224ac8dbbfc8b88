import { z } from 'zod';

export const MOCK_FAILURES = ['rate_limited', 'server_error', 'timeout', 'invalid_output', 'auth_failed'] as const;
export type MockFailure = (typeof MOCK_FAILURES)[number];

/** Settings of a `mock` connection, as the API accepts them. */
export const mockSettingsSchema = z.strictObject({
  /** How long each call takes. */
  latency_ms: z.number().int().min(0).max(600_000).optional(),
  /** Share of calls that fail, decided by a hash of item id and call number (so reruns agree). */
  fail_rate: z.number().min(0).max(1).optional(),
  /** Every item's first N calls to this connection fail. */
  fail_first: z.number().int().min(0).max(100).optional(),
  /** How a failing call fails. */
  fail_with: z.enum(MOCK_FAILURES).optional(),
  /** The Retry-After a `rate_limited` failure asks for. */
  retry_after_ms: z.number().int().min(0).max(600_000).optional(),
});
export type MockSettingsInput = z.infer<typeof mockSettingsSchema>;

export interface MockSettings {
  latencyMs: number;
  failRate: number;
  failFirst: number;
  failWith: MockFailure;
  retryAfterMs: number;
}

/** Reads settings defensively: a missing or out-of-range value falls back to its default. */
export function readMockSettings(raw: unknown): MockSettings {
  const settings = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const fields = mockSettingsSchema.shape;
  return {
    latencyMs: valueOr(fields.latency_ms, settings.latency_ms, 0),
    failRate: valueOr(fields.fail_rate, settings.fail_rate, 0),
    failFirst: valueOr(fields.fail_first, settings.fail_first, 0),
    failWith: valueOr(fields.fail_with, settings.fail_with, 'server_error'),
    retryAfterMs: valueOr(fields.retry_after_ms, settings.retry_after_ms, 1000),
  };
}

function valueOr<T>(field: z.ZodType<T | undefined>, value: unknown, fallback: T): T {
  const parsed = field.safeParse(value);
  return parsed.success && parsed.data !== undefined ? parsed.data : fallback;
}
