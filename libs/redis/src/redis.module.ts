import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@conduit/config';
import { RepeatedErrorLog } from '@conduit/observability';
import IORedis from 'ioredis';
import { redisOptionsFromUrl } from './redis-connection';

/** The shared Redis connection for state held across workers (breakers, limits, locks). Not for BullMQ. */
export const REDIS = Symbol('REDIS');

/** Builds Redis keys under this deployment's prefix, so deployments and test runs never collide. */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }
}

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        // Breaker and limiter scripts of concurrent jobs go out in one write per event-loop turn.
        const redis = new IORedis({ ...redisOptionsFromUrl(config.queue.redisUrl), enableAutoPipelining: true });
        // Without a listener ioredis prints every failed reconnect to stderr, stack and all.
        const errors = new RepeatedErrorLog(
          new Logger('Redis'),
          'redis connection error',
          config.http.repeatIntervalMs,
        );
        redis.on('error', (error: Error) => errors.report(error));
        return redis;
      },
    },
    { provide: RedisKeys, inject: [AppConfig], useFactory: (config: AppConfig) => new RedisKeys(config.queue.prefix) },
  ],
  exports: [REDIS, RedisKeys],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: IORedis) {}

  async onApplicationShutdown(): Promise<void> {
    // QUIT waits for a connection like any command: a Redis out of reach would hold the shutdown forever.
    if (this.redis.status !== 'ready') return this.redis.disconnect();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
