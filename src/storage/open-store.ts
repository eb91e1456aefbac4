// openStore: validates the `store:` config block and opens the backend it names.

import { isAbsolute, resolve } from 'node:path';
import { WinnowError } from '../errors.ts';
import { storeConfigSchema, type StoreConfigInput } from './config.ts';
import { openSqliteStore } from './sqlite/sqlite-store.ts';
import type { Store } from './store.ts';

/** Used only when the caller does not pass the configured data directory. */
export const FALLBACK_DATA_DIR = 'data';

export interface OpenStoreOptions {
  /** Relative SQLite paths resolve against this directory. */
  dataDir?: string;
}

export async function openStore(config: StoreConfigInput, opts: OpenStoreOptions = {}): Promise<Store> {
  const parsed = storeConfigSchema.safeParse(config);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new WinnowError(
      'ERR_CONFIG_INVALID',
      `store.${first.path.join('.') || '(block)'}: ${first.message}`,
      { cause: parsed.error },
    );
  }
  const cfg = parsed.data;
  const limits = { historySize: cfg.history_size, maxTokens: cfg.max_tokens, maxWeightBuckets: cfg.max_weight_buckets };
  if (cfg.backend === 'sqlite') {
    const path = isAbsolute(cfg.path) ? cfg.path : resolve(opts.dataDir ?? FALLBACK_DATA_DIR, cfg.path);
    return openSqliteStore(path, limits);
  }
  // Loaded only when configured: ioredis costs a SQLite-only `winnow classify` (procmail) ~30 ms of start-up.
  const { openRedisStore } = await import('./redis/redis-store.ts');
  return openRedisStore(cfg, limits);
}
