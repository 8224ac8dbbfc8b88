import { retryDelayMs } from './retry-delay';

const options = { baseDelayMs: 100, maxDelayMs: 5_000 };

describe('retryDelayMs', () => {
  it('grows the jitter ceiling exponentially with each call, up to the cap', () => {
    const top = () => 0.999_999;
    expect(retryDelayMs(1, undefined, { ...options, random: top })).toBe(99);
    expect(retryDelayMs(2, undefined, { ...options, random: top })).toBe(199);
    expect(retryDelayMs(4, undefined, { ...options, random: top })).toBe(799);
    expect(retryDelayMs(20, undefined, { ...options, random: top })).toBe(4_999);
  });

  it('uses full jitter: anywhere from zero to the ceiling', () => {
    expect(retryDelayMs(3, undefined, { ...options, random: () => 0 })).toBe(0);
    expect(retryDelayMs(3, undefined, { ...options, random: () => 0.5 })).toBe(200);
  });

  it("honours the provider's retry hint, capped at the maximum", () => {
    expect(retryDelayMs(1, 1_500, options)).toBe(1_500);
    expect(retryDelayMs(1, 0, options)).toBe(0);
    expect(retryDelayMs(1, 120_000, options)).toBe(5_000);
  });
});
