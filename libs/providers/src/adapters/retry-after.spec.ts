import { parseGoogleDurationMs, parseRetryAfterMs } from './retry-after';

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2025-06-01T12:00:00Z');

  it('prefers retry-after-ms', () => {
    expect(parseRetryAfterMs({ 'retry-after-ms': '1500', 'retry-after': '9' }, now)).toBe(1500);
  });

  it('reads retry-after as seconds, fractions included', () => {
    expect(parseRetryAfterMs({ 'retry-after': '20' }, now)).toBe(20_000);
    expect(parseRetryAfterMs({ 'retry-after': '0.5' }, now)).toBe(500);
  });

  it('reads retry-after as an HTTP date', () => {
    expect(parseRetryAfterMs({ 'retry-after': 'Sun, 01 Jun 2025 12:00:30 GMT' }, now)).toBe(30_000);
  });

  it('ignores negative, past and unreadable hints', () => {
    expect(parseRetryAfterMs({ 'retry-after': '-3' }, now)).toBeUndefined();
    expect(parseRetryAfterMs({ 'retry-after-ms': '-1' }, now)).toBeUndefined();
    expect(parseRetryAfterMs({ 'retry-after': 'Sun, 01 Jun 2025 11:59:00 GMT' }, now)).toBeUndefined();
    expect(parseRetryAfterMs({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(parseRetryAfterMs({}, now)).toBeUndefined();
  });

  it('falls back to retry-after when retry-after-ms is unreadable', () => {
    expect(parseRetryAfterMs({ 'retry-after-ms': 'x', 'retry-after': '2' }, now)).toBe(2000);
  });

  it('keeps long hints (the executor caps them)', () => {
    expect(parseRetryAfterMs({ 'retry-after': '3600' }, now)).toBe(3_600_000);
  });
});

describe('parseGoogleDurationMs', () => {
  it('reads protobuf durations', () => {
    expect(parseGoogleDurationMs('31s')).toBe(31_000);
    expect(parseGoogleDurationMs('1.5s')).toBe(1500);
    expect(parseGoogleDurationMs('0.250s')).toBe(250);
  });

  it('ignores anything else', () => {
    expect(parseGoogleDurationMs('31')).toBeUndefined();
    expect(parseGoogleDurationMs('-1s')).toBeUndefined();
    expect(parseGoogleDurationMs(31)).toBeUndefined();
  });
});
