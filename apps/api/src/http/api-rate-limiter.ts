import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConduitError, ErrorCode } from '@conduit/common';
import { AppConfig } from '@conduit/config';
import { REDIS, RedisKeys } from '@conduit/redis';
import type { Response } from 'express';
import type IORedis from 'ioredis';
import { RateLimiterRedis, RateLimiterRes, RLWrapperTimeouts } from 'rate-limiter-flexible';

/** How long a request waits for its count before it goes through uncounted (a Redis round trip is well under 1 ms). */
const REDIS_WAIT_MS = 500;

/**
 * Our own API's limit: `API_RATE_LIMIT_PER_MINUTE` requests per API key, in a one-minute window
 * counted in Redis (so every API instance shares it). Over it: 429 `rate_limited` with
 * `Retry-After` (seconds until the window ends). If Redis does not answer, requests go through:
 * the limit protects us, and an outage of it should not become an outage of the API.
 */
@Injectable()
export class ApiRateLimiter {
  private readonly logger = new Logger(ApiRateLimiter.name);
  private readonly limit: number;
  private readonly limiter?: RLWrapperTimeouts;

  constructor(@Inject(REDIS) redis: IORedis, keys: RedisKeys, config: AppConfig) {
    this.limit = config.operations.rateLimitPerMinute;
    if (this.limit <= 0) return;
    const counter = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: keys.key('api-rate'),
      points: this.limit,
      duration: 60,
      // While the client reconnects, give up at once rather than wait in its queue.
      rejectIfRedisNotReady: true,
    });
    this.limiter = new RLWrapperTimeouts({ limiter: counter, timeoutMs: REDIS_WAIT_MS });
  }

  /** Counts one request by `apiKeyId`; throws `rate_limited` (and sets `Retry-After`) when over. */
  async consume(apiKeyId: string, response: Response): Promise<void> {
    if (!this.limiter) return;
    const counted = await this.count(this.limiter, apiKeyId);
    if (!counted) return;
    response.setHeader('X-RateLimit-Limit', String(this.limit));
    response.setHeader('X-RateLimit-Remaining', String(counted.remainingPoints));
    if (counted.consumedPoints > this.limit) {
      response.setHeader('Retry-After', String(Math.max(1, Math.ceil(counted.msBeforeNext / 1000))));
      throw new ConduitError(
        ErrorCode.RateLimited,
        `this API key is over its limit of ${this.limit} requests a minute; retry after the Retry-After header's seconds`,
      );
    }
  }

  /** The key's count in this window, this request included; undefined if Redis did not answer. */
  private async count(limiter: RLWrapperTimeouts, apiKeyId: string): Promise<RateLimiterRes | undefined> {
    try {
      return await limiter.consume(apiKeyId);
    } catch (result) {
      if (result instanceof RateLimiterRes) return result; // over the limit: the count comes as a rejection
      this.logger.warn({ err: result }, 'rate limit check failed; letting the request through');
      return undefined;
    }
  }
}
