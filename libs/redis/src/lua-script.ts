import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type IORedis from 'ioredis';

/**
 * Where the Lua scripts are: beside this module when running from TypeScript (development,
 * tests), and beside each app's bundle once built (`nest build` copies them: nest-cli.json `assets`).
 */
export const LUA_DIR = join(__dirname, 'lua');

/** A script defined as a command: its keys first, then its arguments. */
export type LuaScript = (...keysAndArgs: (string | number)[]) => Promise<unknown>;

/**
 * Defines `lua/<name>.lua` as a command of `redis`. ioredis sends EVALSHA, and EVAL once if
 * Redis lost its script cache. Constants go in as arguments: the scripts are plain files.
 */
export function defineLuaScript(redis: IORedis, name: string, numberOfKeys: number): LuaScript {
  redis.defineCommand(name, { lua: readFileSync(join(LUA_DIR, `${name}.lua`), 'utf8'), numberOfKeys });
  return (redis as unknown as Record<string, LuaScript>)[name].bind(redis);
}
