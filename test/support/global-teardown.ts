import IORedis from 'ioredis';
import { Client } from 'pg';

/** Drops the run's database and deletes the run's queue keys. */
export default async function globalTeardown(): Promise<void> {
  const url = new URL(process.env.DATABASE_URL as string);
  const name = url.pathname.slice(1);
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }

  const redis = new IORedis(process.env.REDIS_URL as string);
  try {
    const stream = redis.scanStream({ match: `${process.env.QUEUE_PREFIX}:*`, count: 500 });
    for await (const keys of stream as AsyncIterable<string[]>) if (keys.length) await redis.unlink(...keys);
  } finally {
    redis.disconnect();
  }
}
