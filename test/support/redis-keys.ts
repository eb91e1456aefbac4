// Lists or deletes every key under a prefix on one Redis server: how tests and benches find and clean up their throw-away keys.

import type { Redis } from 'ioredis';

/** Every key under `prefix` (SCAN, so a busy server is not blocked), sorted. */
export async function keysUnder(client: Redis, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    out.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return out.sort();
}

/** Deletes every key under `prefix`; returns how many went. */
export async function deleteKeysUnder(client: Redis, prefix: string): Promise<number> {
  const keys = await keysUnder(client, prefix);
  let n = 0;
  for (let i = 0; i < keys.length; i += 1000) n += await client.del(...keys.slice(i, i + 1000));
  return n;
}
