import { isRedisRefusal, redisOptionsFromUrl } from './redis-connection';

describe('redisOptionsFromUrl', () => {
  it('reads host, port and the database index', () => {
    expect(redisOptionsFromUrl('redis://127.0.0.1:6380/3')).toMatchObject({ host: '127.0.0.1', port: 6380, db: 3 });
  });

  it('reads credentials and turns on TLS for rediss', () => {
    const options = redisOptionsFromUrl('rediss://user:p%40ss@redis.example.com');
    expect(options).toMatchObject({ username: 'user', password: 'p@ss', port: 6379, db: 0, tls: {} });
  });

  it('reconnects 1 s after a lost connection, doubling up to 10 s', () => {
    const { retryStrategy } = redisOptionsFromUrl('redis://127.0.0.1');
    expect([1, 2, 3, 4, 5, 20].map((attempt) => retryStrategy?.(attempt))).toEqual([
      1_000, 2_000, 4_000, 8_000, 10_000, 10_000,
    ]);
  });
});

describe('isRedisRefusal', () => {
  const reply = (message: string, command: string) => Object.assign(new Error(message), { command: { name: command } });

  it('is true for replies that refuse whatever the connection sends', () => {
    for (const message of [
      "READONLY You can't write against a read only replica.",
      'LOADING Redis is loading the dataset in memory',
      'NOAUTH Authentication required.',
      "OOM command not allowed when used memory > 'maxmemory'.",
      'MISCONF Redis is configured to save RDB snapshots, but it is currently not able to persist on disk.',
      "NOPERM this user has no permissions to run the 'evalsha' command",
    ]) {
      expect({ message, refusal: isRedisRefusal(reply(message, 'evalsha')) }).toEqual({ message, refusal: true });
    }
  });

  it('is false for an error about one command, and for a lost connection', () => {
    expect(isRedisRefusal(reply("NOPERM this user has no permissions to run the 'info' command", 'info'))).toBe(false);
    expect(isRedisRefusal(reply('WRONGTYPE Operation against a key holding the wrong kind of value', 'get'))).toBe(
      false,
    );
    expect(isRedisRefusal(new Error('connect ECONNREFUSED 127.0.0.1:6379'))).toBe(false);
  });
});
