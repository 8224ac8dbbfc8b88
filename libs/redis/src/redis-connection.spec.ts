import { redisOptionsFromUrl } from './redis-connection';

describe('redisOptionsFromUrl', () => {
  it('reads host, port and the database index', () => {
    expect(redisOptionsFromUrl('redis://127.0.0.1:6380/3')).toMatchObject({ host: '127.0.0.1', port: 6380, db: 3 });
  });

  it('reads credentials and turns on TLS for rediss', () => {
    const options = redisOptionsFromUrl('rediss://user:p%40ss@redis.example.com');
    expect(options).toMatchObject({ username: 'user', password: 'p@ss', port: 6379, db: 0, tls: {} });
  });
});
