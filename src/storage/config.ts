// The `store:` config block: which backend, where, and the size limits every backend honours.

import { z } from 'zod';
import { DEFAULT_HISTORY_SIZE, DEFAULT_MAX_TOKENS } from './rules.ts';
import { BUCKET_LIMIT, DEFAULT_MAX_WEIGHT_BUCKETS } from './weight-rules.ts';

/** Relative SQLite paths resolve against the data directory. */
export const DEFAULT_SQLITE_FILE = 'winnow.sqlite';
export const DEFAULT_REDIS_HOST = '127.0.0.1';
export const DEFAULT_REDIS_PORT = 6379;
export const DEFAULT_SENTINEL_PORT = 26379;
export const DEFAULT_REDIS_PREFIX = 'winnow:';
export const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 5000;
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 2000;
const MIN_MAX_TOKENS = 10;
const MIN_MAX_WEIGHT_BUCKETS = 10;

const limits = {
  history_size: z.number().int().min(1).max(1_000_000).default(DEFAULT_HISTORY_SIZE),
  max_tokens: z.number().int().min(MIN_MAX_TOKENS).default(DEFAULT_MAX_TOKENS),
  /** Most non-zero classifier weight buckets per namespace (buckets are 32-bit hashes). */
  max_weight_buckets: z.number().int().min(MIN_MAX_WEIGHT_BUCKETS).max(BUCKET_LIMIT).default(DEFAULT_MAX_WEIGHT_BUCKETS),
};

const port = z.number().int().min(1).max(65535);

export const sqliteStoreConfigSchema = z.strictObject({
  backend: z.literal('sqlite'),
  path: z.string().min(1).default(DEFAULT_SQLITE_FILE),
  ...limits,
});

export const redisStoreConfigSchema = z
  .strictObject({
    backend: z.literal('redis'),
    mode: z.enum(['standalone', 'sentinel', 'cluster']).default('standalone'),
    /** redis:// or rediss:// URL (standalone only); excludes host/port. */
    url: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
    host: z.string().min(1).optional(),
    port: port.optional(),
    db: z.number().int().min(0).default(0),
    username: z.string().optional(),
    password: z.string().optional(),
    tls: z.boolean().default(false),
    sentinels: z.array(z.strictObject({ host: z.string().min(1), port: port.default(DEFAULT_SENTINEL_PORT) })).min(1).optional(),
    /** Sentinel master group name. */
    name: z.string().min(1).optional(),
    sentinel_username: z.string().optional(),
    sentinel_password: z.string().optional(),
    nodes: z.array(z.strictObject({ host: z.string().min(1), port: port.default(DEFAULT_REDIS_PORT) })).min(1).optional(),
    // Braces would become part of the keys' cluster hash tags.
    prefix: z.string().regex(/^[^{}]*$/, 'must not contain { or }').default(DEFAULT_REDIS_PREFIX),
    connect_timeout_ms: z.number().int().min(1).default(DEFAULT_REDIS_CONNECT_TIMEOUT_MS),
    command_timeout_ms: z.number().int().min(1).default(DEFAULT_REDIS_COMMAND_TIMEOUT_MS),
    ...limits,
  })
  .superRefine((c, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (c.url !== undefined && (c.host !== undefined || c.port !== undefined)) issue('url', 'give either url or host/port, not both');
    if (c.url !== undefined && c.mode !== 'standalone') issue('url', 'url is only for mode: standalone');
    if (c.mode === 'sentinel') {
      if (!c.sentinels) issue('sentinels', 'mode sentinel needs a list of sentinels');
      if (!c.name) issue('name', 'mode sentinel needs the master group name');
    } else if (c.sentinels || c.name) {
      issue(c.sentinels ? 'sentinels' : 'name', 'only for mode: sentinel');
    }
    if (c.mode === 'cluster') {
      if (!c.nodes) issue('nodes', 'mode cluster needs a list of seed nodes');
      if (c.db !== 0) issue('db', 'Redis Cluster has only db 0');
    } else if (c.nodes) {
      issue('nodes', 'only for mode: cluster');
    }
  });

/** Missing block → SQLite at <dataDir>/winnow.sqlite with default limits. */
export const storeConfigSchema = z
  .discriminatedUnion('backend', [sqliteStoreConfigSchema, redisStoreConfigSchema])
  .prefault({ backend: 'sqlite' });

export type StoreConfigInput = z.input<typeof storeConfigSchema>;
export type StoreConfig = z.output<typeof storeConfigSchema>;
export type SqliteStoreConfig = z.output<typeof sqliteStoreConfigSchema>;
export type RedisStoreConfig = z.output<typeof redisStoreConfigSchema>;
