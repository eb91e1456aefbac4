// Harness shared by the crash-test children: opens the store named by argv (sqlite <path> | redis <prefix>, batch size) and writes until killed.

import { storeConfigSchema } from '../config.ts';
import { openRedisStore } from '../redis/redis-store.ts';
import { openSqliteStore } from '../sqlite/sqlite-store.ts';
import type { Store, StoreLimits } from '../store.ts';

/**
 * Tells the parent it is ready, then writes item i, i+1, … forever: with `one` per item when the batch size
 * (argv[4], default 1) is 1, else with `many` per batch of that many consecutive items.
 */
export async function crashLoop<T>(
  limits: StoreLimits,
  item: (i: number) => T,
  one: (store: Store, x: T) => Promise<unknown>,
  many: (store: Store, xs: T[]) => Promise<unknown>,
): Promise<never> {
  const [backend, target, batchArg] = process.argv.slice(2);
  const batchSize = Number(batchArg ?? 1);
  let store: Store;
  if (backend === 'sqlite') {
    store = openSqliteStore(target, limits);
  } else {
    const cfg = storeConfigSchema.parse({ backend: 'redis', host: '127.0.0.1', port: 6379, prefix: target });
    if (cfg.backend !== 'redis') throw new Error('unreachable');
    store = await openRedisStore(cfg, limits);
  }
  process.send?.('ready');
  for (let i = 0; ; i += batchSize) {
    if (batchSize === 1) await one(store, item(i));
    else await many(store, Array.from({ length: batchSize }, (_, k) => item(i + k)));
  }
}
