export { REDIS, RedisKeys, RedisModule } from './redis.module';
export { redisOptionsFromUrl } from './redis-connection';
