import { AppConfig, ConfigError } from './app-config';

const production = {
  NODE_ENV: 'production',
  PLATFORM_ADMIN_TOKEN: 'a-long-platform-admin-token',
  OPERATOR_USER: 'ops',
  OPERATOR_PASSWORD: 'a-long-operator-password',
  VAULT_KEYS: `k2:${Buffer.alloc(32, 2).toString('base64')},k1:${Buffer.alloc(32, 1).toString('base64')}`,
};

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    new AppConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('AppConfig', () => {
  it('runs in development with no variables at all, using development defaults', () => {
    const config = new AppConfig({});
    expect(config.nodeEnv).toBe('development');
    expect(config.database.url).toBe('postgres://postgres@127.0.0.1:5432/conduit');
    expect(config.database.migrate).toBe(true);
    expect(config.queue).toEqual({ redisUrl: 'redis://127.0.0.1:6379', prefix: 'conduit' });
    expect(config.vault.keys[0].key).toHaveLength(32);
    expect(config.worker.concurrency).toBe(1_000);
  });

  it('requires every secret outside development and names each one', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems).toEqual(
      expect.arrayContaining([
        'PLATFORM_ADMIN_TOKEN: is required',
        'OPERATOR_USER: is required',
        'OPERATOR_PASSWORD: is required',
        'VAULT_KEYS: is required',
      ]),
    );
  });

  it('accepts a complete production environment and keeps the vault keys in order, newest first', () => {
    const config = new AppConfig(production);
    expect(config.database.migrate).toBe(false);
    expect(config.vault.keys.map((k) => k.id)).toEqual(['k2', 'k1']);
  });

  it('reports every bad variable at once', () => {
    const problems = problemsOf({
      ...production,
      PORT: 'eighty',
      DATABASE_URL: 'mysql://x',
      WORKER_CONCURRENCY: '0',
      VAULT_KEYS: 'k1:tooshort',
      EGRESS_ALLOW_HTTP: 'yes',
      NODE_ENV: 'staging',
    });
    const variables = problems.map((p) => p.split(':')[0]);
    expect(variables).toEqual(
      expect.arrayContaining([
        'NODE_ENV',
        'PORT',
        'DATABASE_URL',
        'WORKER_CONCURRENCY',
        'VAULT_KEYS',
        'EGRESS_ALLOW_HTTP',
      ]),
    );
  });

  it('gives every job a call slot unless WORKER_CALLS_IN_FLIGHT says fewer, and never more than the jobs', () => {
    expect(new AppConfig({ WORKER_CONCURRENCY: '300' }).worker.callsInFlight).toBe(300);
    expect(new AppConfig({ WORKER_CONCURRENCY: '300', WORKER_CALLS_IN_FLIGHT: '250' }).worker).toMatchObject({
      concurrency: 300,
      callsInFlight: 250,
    });
    expect(problemsOf({ WORKER_CONCURRENCY: '300', WORKER_CALLS_IN_FLIGHT: '301' })).toEqual([
      'WORKER_CALLS_IN_FLIGHT: must not be more than WORKER_CONCURRENCY (each call runs inside a job)',
    ]);
    expect(problemsOf({ WORKER_CALLS_IN_FLIGHT: '0' })).toEqual(['WORKER_CALLS_IN_FLIGHT: must be at least 1']);
  });

  it('parses allow-lists as comma-separated values', () => {
    const config = new AppConfig({ EGRESS_ALLOW_CIDRS: '10.0.0.0/8, 192.168.1.0/24', EGRESS_ALLOW_HOSTS: '' });
    expect(config.egress.allowCidrs).toEqual(['10.0.0.0/8', '192.168.1.0/24']);
    expect(config.egress.allowHosts).toEqual([]);
  });

  it('reads plans from JSON, with defaults, and names a bad PLANS value', () => {
    const config = new AppConfig({ PLANS: '{"gold": {"monthly_token_budget": 5000, "platform_connections": true}}' });
    expect([...config.tenancy.plans.keys()]).toEqual(['gold']);
    expect(config.tenancy.plans.get('gold')).toEqual({ monthly_token_budget: 5000, platform_connections: true });
    expect(new AppConfig({}).tenancy.plans.get('byok')).toEqual({
      monthly_token_budget: null,
      platform_connections: false,
    });
    expect(problemsOf({ PLANS: 'not json' })).toEqual(['PLANS: must be a JSON object of plan name to rules']);
    expect(problemsOf({ PLANS: '{"gold": {"monthly_token_budget": -1}}' })[0]).toMatch(
      /^PLANS: .+ \(at gold\.monthly_token_budget\)$/,
    );
  });
});
