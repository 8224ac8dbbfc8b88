import { z } from 'zod';
import { nodeEnvSchema, sectionSchemas, type NodeEnv, type PlanRules } from './env-schema';

type Sections = ReturnType<typeof sectionSchemas>;
type Parsed<K extends keyof Sections> = z.output<Sections[K]>;

/** Thrown at boot when the environment is wrong; the message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** The typed configuration, validated once at boot. Inject it; never read process.env elsewhere. */
export class AppConfig {
  readonly nodeEnv: NodeEnv;
  readonly http: {
    port: number;
    logLevel: Parsed<'http'>['LOG_LEVEL'];
    bodyLimit: string;
    jsonLinesLimitBytes: number;
    jsonLinesLineLimitBytes: number;
    logFile?: string;
    repeatIntervalMs: number;
  };
  readonly database: { url: string; migrate: boolean; poolSize: number };
  readonly queue: { redisUrl: string; prefix: string };
  readonly auth: { platformAdminToken: string; operatorUser: string; operatorPassword: string };
  readonly vault: { keys: { id: string; key: Buffer }[] };
  readonly egress: { allowCidrs: string[]; allowHosts: string[]; allowHttp: boolean };
  readonly worker: {
    concurrency: number;
    /** At most this many provider calls on the wire at once in the process (≤ concurrency). */
    callsInFlight: number;
    retryBaseDelayMs: number;
    retryMaxDelayMs: number;
    defaultTimeoutMs: number;
    defaultMaxRetries: number;
    shutdownGraceMs: number;
    /** A worker silent this long has died: its BullMQ locks and its items' leases run out. */
    lockMs: number;
    stalledIntervalMs: number;
    itemDeadlineMs: number;
    itemMaxRuns: number;
  };
  readonly routing: { breakerFailureThreshold: number; breakerWindowMs: number; breakerCooldownMs: number };
  readonly scheduling: {
    tenantInFlight: number;
    feederIntervalMs: number;
    reconcilerIntervalMs: number;
    reconcilerGraceMs: number;
  };
  readonly tenancy: { plans: ReadonlyMap<string, PlanRules> };
  readonly webhooks: { maxAttempts: number; backoffMs: number; timeoutMs: number };
  readonly demo: { seed: boolean };
  readonly operations: { rateLimitPerMinute: number; metricsPort?: number };

  constructor(env: NodeJS.ProcessEnv) {
    const problems: string[] = [];
    const nodeEnv = nodeEnvSchema.safeParse(env.NODE_ENV);
    if (!nodeEnv.success) problems.push(`NODE_ENV: ${nodeEnv.error.issues[0]?.message}`);
    this.nodeEnv = nodeEnv.data ?? 'development';

    const schemas = sectionSchemas(this.nodeEnv === 'development');
    const parse = <K extends keyof Sections>(name: K): Parsed<K> => {
      const result = schemas[name].safeParse(env);
      if (result.success) return result.data as Parsed<K>;
      for (const issue of result.error.issues) {
        const [variable, ...within] = issue.path.map(String);
        const where = within.length > 0 ? ` (at ${within.join('.')})` : '';
        problems.push(`${variable}: ${env[variable] === undefined ? 'is required' : issue.message}${where}`);
      }
      return {} as Parsed<K>;
    };

    const http = parse('http');
    const database = parse('database');
    const queue = parse('queue');
    const auth = parse('auth');
    const vault = parse('vault');
    const egress = parse('egress');
    const worker = parse('worker');
    const routing = parse('routing');
    const scheduling = parse('scheduling');
    const tenancy = parse('tenancy');
    const webhooks = parse('webhooks');
    const demo = parse('demo');
    const operations = parse('operations');
    if (problems.length > 0) throw new ConfigError(problems);

    this.http = {
      port: http.PORT,
      logLevel: http.LOG_LEVEL,
      bodyLimit: http.BODY_LIMIT,
      jsonLinesLimitBytes: http.JSONL_BODY_LIMIT_MB * 1024 * 1024,
      jsonLinesLineLimitBytes: http.JSONL_LINE_LIMIT_KB * 1024,
      logFile: http.LOG_FILE,
      repeatIntervalMs: http.LOG_REPEAT_INTERVAL_MS,
    };
    this.database = { url: database.DATABASE_URL, migrate: database.DB_MIGRATE, poolSize: database.DB_POOL_SIZE };
    this.queue = { redisUrl: queue.REDIS_URL, prefix: queue.QUEUE_PREFIX };
    this.auth = {
      platformAdminToken: auth.PLATFORM_ADMIN_TOKEN,
      operatorUser: auth.OPERATOR_USER,
      operatorPassword: auth.OPERATOR_PASSWORD,
    };
    this.vault = {
      keys: vault.VAULT_KEYS.split(',').map((entry) => {
        const [id, key] = entry.trim().split(':');
        return { id, key: Buffer.from(key, 'base64') };
      }),
    };
    this.egress = {
      allowCidrs: egress.EGRESS_ALLOW_CIDRS,
      allowHosts: egress.EGRESS_ALLOW_HOSTS,
      allowHttp: egress.EGRESS_ALLOW_HTTP,
    };
    this.worker = {
      concurrency: worker.WORKER_CONCURRENCY,
      callsInFlight: worker.WORKER_CALLS_IN_FLIGHT ?? worker.WORKER_CONCURRENCY,
      retryBaseDelayMs: worker.RETRY_BASE_DELAY_MS,
      retryMaxDelayMs: worker.RETRY_MAX_DELAY_MS,
      defaultTimeoutMs: worker.DEFAULT_TARGET_TIMEOUT_MS,
      defaultMaxRetries: worker.DEFAULT_TARGET_MAX_RETRIES,
      shutdownGraceMs: worker.SHUTDOWN_GRACE_MS,
      lockMs: worker.WORKER_LOCK_MS,
      stalledIntervalMs: worker.WORKER_STALLED_INTERVAL_MS,
      itemDeadlineMs: worker.ITEM_DEADLINE_MS,
      itemMaxRuns: worker.ITEM_MAX_RUNS,
    };
    this.routing = {
      breakerFailureThreshold: routing.BREAKER_FAILURE_THRESHOLD,
      breakerWindowMs: routing.BREAKER_WINDOW_MS,
      breakerCooldownMs: routing.BREAKER_COOLDOWN_MS,
    };
    this.scheduling = {
      tenantInFlight: scheduling.FEEDER_TENANT_IN_FLIGHT,
      feederIntervalMs: scheduling.FEEDER_INTERVAL_MS,
      reconcilerIntervalMs: scheduling.RECONCILER_INTERVAL_MS,
      reconcilerGraceMs: scheduling.RECONCILER_GRACE_MS,
    };
    this.tenancy = { plans: new Map(Object.entries(tenancy.PLANS)) };
    this.webhooks = {
      maxAttempts: webhooks.WEBHOOK_MAX_ATTEMPTS,
      backoffMs: webhooks.WEBHOOK_BACKOFF_MS,
      timeoutMs: webhooks.WEBHOOK_TIMEOUT_MS,
    };
    this.demo = { seed: demo.DEMO_SEED };
    this.operations = {
      rateLimitPerMinute: operations.API_RATE_LIMIT_PER_MINUTE,
      metricsPort: operations.METRICS_PORT,
    };
  }

  get isDevelopment(): boolean {
    return this.nodeEnv === 'development';
  }
}
