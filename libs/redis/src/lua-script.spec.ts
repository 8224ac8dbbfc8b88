import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import IORedis from 'ioredis';
import { defineLuaScript, LUA_DIR } from './lua-script';
import { redisOptionsFromUrl } from './redis-connection';

const ROOT = join(__dirname, '..', '..', '..');

/** Every TypeScript file under `dir`, tests excepted. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !/\.(e2e-)?spec\.ts$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('Lua scripts', () => {
  let redis: IORedis;

  beforeAll(() => {
    redis = new IORedis(redisOptionsFromUrl(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'));
  });

  afterAll(() => redis.quit());

  it('live in .lua files, not in TypeScript strings', () => {
    const inline = [...sources(join(ROOT, 'apps')), ...sources(join(ROOT, 'libs'))].filter((file) =>
      /redis\.call\(/.test(readFileSync(file, 'utf8')),
    );
    expect(inline.map((file) => relative(ROOT, file))).toEqual([]);
  });

  it('each compiles in Redis', async () => {
    const files = readdirSync(LUA_DIR).filter((name) => name.endsWith('.lua'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      await expect(redis.script('LOAD', readFileSync(join(LUA_DIR, file), 'utf8'))).resolves.toMatch(/^[0-9a-f]{40}$/);
    }
  });

  it('runs as a command of the client, its keys and arguments passed through', async () => {
    const release = defineLuaScript(redis, 'lock-release', 1);
    const lock = `test-${randomUUID()}:lock`;
    await redis.set(lock, 'holder', 'PX', 10_000);
    expect(await release(lock, 'someone else')).toBe(0);
    expect(await redis.get(lock)).toBe('holder');
    expect(await release(lock, 'holder')).toBe(1);
    expect(await redis.exists(lock)).toBe(0);
  });
});
