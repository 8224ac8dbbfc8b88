import { z } from 'zod';

/**
 * The environment, one section per module. Each section is validated on its own and all
 * problems are reported together, each naming its variable.
 */

const NODE_ENVS = ['development', 'test', 'production'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
    .optional()
    .transform((v) => (v === undefined ? fallback : v === 'true' || v === '1'));

const int = (fallback: number, min: number, max: number) =>
  z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(min).max(max).default(fallback);

const url = (protocols: string[]) =>
  z.url({ error: 'must be a URL' }).refine((v) => protocols.includes(new URL(v).protocol), {
    message: `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`,
  });

/** A secret: a development default is allowed only in development, never elsewhere. */
const secret = (isDev: boolean, devDefault: string, minLength: number) => {
  const schema = z.string().min(minLength, `must be at least ${minLength} characters`);
  return isDev ? schema.default(devDefault) : schema;
};

const csv = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

const VAULT_KEY = /^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/]{43}=$/;
// Development only: a fixed, well-known key, so a restarted dev stack can still read its own secrets.
const DEV_VAULT_KEYS = 'dev1:ZGV2ZWxvcG1lbnQtb25seS12YXVsdC1rZXktMzJiISE=';

const planSchema = z.strictObject({
  /** Tokens a month the tenant may spend on platform-managed connections; null = no limit. */
  monthly_token_budget: z.number().int().min(0).nullable().default(null),
  /** Whether the tenant may route to platform-managed connections at all. */
  platform_connections: z.boolean().default(false),
});
export type PlanRules = z.output<typeof planSchema>;

const DEFAULT_PLANS = JSON.stringify({
  demo: { monthly_token_budget: 1_000_000, platform_connections: true },
  free: { monthly_token_budget: 200_000, platform_connections: true },
  pro: { monthly_token_budget: 20_000_000, platform_connections: true },
  enterprise: { monthly_token_budget: null, platform_connections: true },
  byok: { platform_connections: false },
});

/** JSON object of plan name → rules. A tenant whose plan is not listed is denied (fail closed). */
const plans = z
  .string()
  .default(DEFAULT_PLANS)
  .transform((raw, ctx) => {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object of plan name to rules' });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.string().regex(/^[a-z0-9_-]{1,64}$/), planSchema, { error: 'must map plan names to rules' }));

export const sectionSchemas = (isDev: boolean) => ({
  http: z.object({
    PORT: int(3000, 1, 65535),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    BODY_LIMIT: z.string().default('10mb'),
    JSONL_BODY_LIMIT_MB: int(256, 1, 4_096),
    // A line is held whole while it is read; the default fits the largest item the tasks accept.
    JSONL_LINE_LIMIT_KB: int(4_096, 64, 65_536),
    LOG_FILE: z.string().min(1).optional(),
    /** An error that repeats (a Redis refusing every command) is logged once, then once per interval with a count. */
    LOG_REPEAT_INTERVAL_MS: int(60_000, 1_000, 3_600_000),
  }),
  database: z.object({
    DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgres://postgres@127.0.0.1:5432/conduit'),
    DB_MIGRATE: bool(isDev),
    DB_POOL_SIZE: int(20, 2, 500),
  }),
  queue: z.object({
    REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
    QUEUE_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, dots, dashes or underscores')
      .default('conduit'),
  }),
  auth: z.object({
    PLATFORM_ADMIN_TOKEN: secret(isDev, 'dev-platform-admin-token', 16),
    OPERATOR_USER: secret(isDev, 'operator', 1),
    OPERATOR_PASSWORD: secret(isDev, 'dev-operator-password', 12),
  }),
  vault: z.object({
    VAULT_KEYS: secret(isDev, DEV_VAULT_KEYS, 1).refine(
      (v) => v.split(',').every((k) => VAULT_KEY.test(k.trim())),
      'must be comma-separated id:base64 entries, each a 32-byte key',
    ),
  }),
  egress: z.object({
    EGRESS_ALLOW_CIDRS: csv,
    EGRESS_ALLOW_HOSTS: csv,
    EGRESS_ALLOW_HTTP: bool(false),
  }),
  worker: z
    .object({
      WORKER_CONCURRENCY: int(1_000, 1, 10_000),
      /** Provider calls on the wire at once per worker process; unset: one per job (WORKER_CONCURRENCY). */
      WORKER_CALLS_IN_FLIGHT: z.coerce
        .number({ error: 'must be a number' })
        .int('must be a whole number')
        .min(1, 'must be at least 1')
        .optional(),
      RETRY_BASE_DELAY_MS: int(500, 0, 60_000),
      RETRY_MAX_DELAY_MS: int(30_000, 0, 600_000),
      DEFAULT_TARGET_TIMEOUT_MS: int(60_000, 100, 3_600_000),
      DEFAULT_TARGET_MAX_RETRIES: int(2, 0, 10),
      SHUTDOWN_GRACE_MS: int(30_000, 0, 600_000),
      /** How long a job's lock lasts without renewal; a worker silent that long has died and its jobs run again. */
      WORKER_LOCK_MS: int(30_000, 1_000, 600_000),
      WORKER_STALLED_INTERVAL_MS: int(30_000, 500, 600_000),
      /** How long after submission an item may wait for a usable target (breaker open, over limits). */
      ITEM_DEADLINE_MS: int(24 * 3_600_000, 1_000, 30 * 24 * 3_600_000),
      /** Runs of an item that may be cut short (its worker died or stalled, or the run threw) before it fails. */
      ITEM_MAX_RUNS: int(5, 1, 100),
    })
    .refine((w) => (w.WORKER_CALLS_IN_FLIGHT ?? 0) <= w.WORKER_CONCURRENCY, {
      path: ['WORKER_CALLS_IN_FLIGHT'],
      message: 'must not be more than WORKER_CONCURRENCY (each call runs inside a job)',
    }),
  routing: z.object({
    BREAKER_FAILURE_THRESHOLD: int(5, 1, 1_000),
    BREAKER_WINDOW_MS: int(60_000, 1_000, 3_600_000),
    BREAKER_COOLDOWN_MS: int(30_000, 100, 3_600_000),
  }),
  scheduling: z.object({
    FEEDER_TENANT_IN_FLIGHT: int(2_000, 1, 100_000),
    FEEDER_INTERVAL_MS: int(500, 10, 60_000),
    RECONCILER_INTERVAL_MS: int(30_000, 100, 3_600_000),
    RECONCILER_GRACE_MS: int(60_000, 0, 3_600_000),
  }),
  tenancy: z.object({
    PLANS: plans,
  }),
  webhooks: z.object({
    /** Tries per webhook delivery (the first included) before it is marked failed. */
    WEBHOOK_MAX_ATTEMPTS: int(8, 1, 50),
    /** First retry delay; doubles each time (BullMQ exponential backoff). */
    WEBHOOK_BACKOFF_MS: int(1_000, 1, 3_600_000),
    WEBHOOK_TIMEOUT_MS: int(10_000, 100, 120_000),
  }),
  demo: z.object({
    DEMO_SEED: bool(isDev),
  }),
  operations: z.object({
    /** Requests a minute per API key on tenant routes; 0 turns the limit off. */
    API_RATE_LIMIT_PER_MINUTE: int(600, 0, 1_000_000),
    /** When set, the worker serves `GET /metrics` on this port (operator basic auth). */
    METRICS_PORT: z.coerce.number({ error: 'must be a number' }).int().min(1).max(65535).optional(),
  }),
});

export const nodeEnvSchema = z
  .enum(NODE_ENVS, { error: `must be one of ${NODE_ENVS.join(', ')}` })
  .default('development');
