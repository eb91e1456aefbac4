// Deletes a benchmark's throw-away Redis keys (everything under its prefix) afterwards.

import { Redis } from 'ioredis';
import { deleteKeysUnder } from '../../test/support/redis-keys.ts';

/** Deletes every key under `prefix` on the local Redis; returns how many went. */
export async function deleteRedisKeys(prefix: string): Promise<number> {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  await redis.connect();
  try {
    return await deleteKeysUnder(redis, prefix);
  } finally {
    redis.disconnect();
  }
}
