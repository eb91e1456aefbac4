// The benchmark's local Redis: deleting its throw-away keys (everything under its prefix) afterwards, and finding the server's pid.

import { Redis } from 'ioredis';
import { deleteKeysUnder } from '../../test/support/redis-keys.ts';

/** Runs `fn` with a connection to the local Redis, closed afterwards. */
async function withLocalRedis<T>(fn: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  await redis.connect();
  try {
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

/** Deletes every key under `prefix` on the local Redis; returns how many went. */
export function deleteRedisKeys(prefix: string): Promise<number> {
  return withLocalRedis((redis) => deleteKeysUnder(redis, prefix));
}

/** The local redis-server's process id (INFO server), so its CPU can be read beside winnow's. */
export function redisServerPid(): Promise<number> {
  return withLocalRedis(async (redis) => {
    const pid = /^process_id:(\d+)/m.exec(await redis.info('server'))?.[1];
    if (pid === undefined) throw new Error('INFO server has no process_id');
    return Number(pid);
  });
}
