import { randomBytes } from 'node:crypto';

/**
 * The environment of one test run: its own database and queue prefix, so runs on one machine
 * (or a developer's running dev stack) never see each other's rows or jobs.
 */
export function testRunEnv(): Record<string, string> {
  const run = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const base = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  base.pathname = `/conduit_test_${run}`;
  return {
    NODE_ENV: 'test',
    DATABASE_URL: base.toString(),
    DB_MIGRATE: 'false',
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: `conduit-test-${run}`,
    PLATFORM_ADMIN_TOKEN: randomBytes(24).toString('hex'),
    OPERATOR_USER: 'operator',
    OPERATOR_PASSWORD: randomBytes(16).toString('hex'),
    VAULT_KEYS: `test:${randomBytes(32).toString('base64')}`,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DEMO_SEED: 'false',
    // High enough that no test trips it; operations.e2e-spec boots a system with a low one.
    API_RATE_LIMIT_PER_MINUTE: '1000000',
    RETRY_BASE_DELAY_MS: '20',
    RETRY_MAX_DELAY_MS: '500',
    WORKER_CONCURRENCY: '20',
    BREAKER_COOLDOWN_MS: '1000',
    SHUTDOWN_GRACE_MS: '3000',
    // `tiny` has a platform budget small enough to spend in one test; `byok` no platform access.
    PLANS: JSON.stringify({
      pro: { monthly_token_budget: null, platform_connections: true },
      tiny: { monthly_token_budget: 100, platform_connections: true },
      byok: { platform_connections: false },
    }),
  };
}
