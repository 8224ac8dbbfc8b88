export { REDIS, RedisKeys, RedisModule } from './redis.module';
export { redisOptionsFromUrl } from './redis-connection';
export { defineLuaScript, type LuaScript } from './lua-script';
