import { mockSettingsSchema, readMockSettings } from './mock-settings';

describe('mockSettingsSchema', () => {
  it('accepts the documented settings, all optional', () => {
    expect(mockSettingsSchema.safeParse({}).success).toBe(true);
    const all = { latency_ms: 200, fail_rate: 0.25, fail_first: 2, fail_with: 'rate_limited', retry_after_ms: 500 };
    expect(mockSettingsSchema.parse(all)).toEqual(all);
  });

  it.each([
    { latency_ms: 600_001 },
    { latency_ms: 1.5 },
    { fail_rate: 1.1 },
    { fail_rate: -0.1 },
    { fail_first: 101 },
    { fail_with: 'explode' },
    { retry_after_ms: -1 },
    { api_key: 'x' },
  ])('rejects %j', (settings) => {
    expect(mockSettingsSchema.safeParse(settings).success).toBe(false);
  });
});

describe('readMockSettings', () => {
  it('applies defaults to missing or unreadable values', () => {
    const defaults = { latencyMs: 0, failRate: 0, failFirst: 0, failWith: 'server_error', retryAfterMs: 1000 };
    expect(readMockSettings(undefined)).toEqual(defaults);
    expect(readMockSettings({ latency_ms: '5', fail_rate: 2, fail_with: 'boom' })).toEqual(defaults);
    expect(readMockSettings({ fail_first: 3, fail_with: 'timeout' })).toMatchObject({
      failFirst: 3,
      failWith: 'timeout',
    });
  });
});
