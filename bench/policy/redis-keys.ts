// Deletes a benchmark's throw-away Redis keys (everything under its prefix) afterwards.

import { Redis } from 'ioredis';

/** Deletes every key under `prefix` on the local Redis; returns how many went. */
export async function deleteRedisKeys(prefix: string): Promise<number> {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  await redis.connect();
  let n = 0;
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1000 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) n += await redis.del(...keys);
    }
  } finally {
    redis.disconnect();
  }
  return n;
}
