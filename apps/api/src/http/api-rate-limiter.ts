import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConduitError, ErrorCode } from '@conduit/common';
import { AppConfig } from '@conduit/config';
import { REDIS, RedisKeys } from '@conduit/redis';
import type { Response } from 'express';
import type IORedis from 'ioredis';

const WINDOW_MS = 60_000;

// One round trip, atomic: count this request; the first one in a window starts its clock.
const COUNT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}
`;

/**
 * Our own API's limit: `API_RATE_LIMIT_PER_MINUTE` requests per API key, in a one-minute window
 * held in Redis (so every API instance shares it). Over it: 429 `rate_limited` with
 * `Retry-After` (seconds until the window ends). If Redis does not answer, requests go through:
 * the limit protects us, and an outage of it should not become an outage of the API.
 */
@Injectable()
export class ApiRateLimiter {
  private readonly logger = new Logger(ApiRateLimiter.name);
  private readonly limit: number;

  constructor(
    @Inject(REDIS) private readonly redis: IORedis,
    private readonly keys: RedisKeys,
    config: AppConfig,
  ) {
    this.limit = config.operations.rateLimitPerMinute;
  }

  /** Counts one request by `apiKeyId`; throws `rate_limited` (and sets `Retry-After`) when over. */
  async consume(apiKeyId: string, response: Response): Promise<void> {
    if (this.limit <= 0) return;
    let count: number;
    let ttlMs: number;
    try {
      [count, ttlMs] = (await this.redis.eval(
        COUNT_SCRIPT,
        1,
        this.keys.key('api-rate', apiKeyId),
        String(WINDOW_MS),
      )) as [number, number];
    } catch (error) {
      this.logger.warn({ err: error }, 'rate limit check failed; letting the request through');
      return;
    }
    response.setHeader('X-RateLimit-Limit', String(this.limit));
    response.setHeader('X-RateLimit-Remaining', String(Math.max(0, this.limit - count)));
    if (count > this.limit) {
      response.setHeader('Retry-After', String(Math.max(1, Math.ceil(ttlMs / 1000))));
      throw new ConduitError(
        ErrorCode.RateLimited,
        `this API key is over its limit of ${this.limit} requests a minute; retry after the Retry-After header's seconds`,
      );
    }
  }
}
