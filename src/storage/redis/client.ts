// Builds the ioredis client a config asks for (standalone, Sentinel or Cluster), connects it with a deadline and maps its errors.

import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { WinnowError } from '../../errors.ts';
import { DEFAULT_REDIS_HOST, DEFAULT_REDIS_PORT, type RedisStoreConfig } from '../config.ts';

export type RedisClient = Redis | Cluster;

/** A command is retried once across a reconnect, then fails (bounded, never queued forever). */
const MAX_RETRIES_PER_REQUEST = 1;

/** Options every connection shares (standalone, to the Sentinel-chosen master, to each cluster node). */
function connectionOptions(cfg: RedisStoreConfig): RedisOptions {
  return {
    username: cfg.username,
    password: cfg.password,
    connectTimeout: cfg.connect_timeout_ms,
    commandTimeout: cfg.command_timeout_ms,
    maxRetriesPerRequest: MAX_RETRIES_PER_REQUEST,
    tls: cfg.tls ? {} : undefined,
  };
}

/** The client is created unconnected (lazyConnect); connectRedis() connects it. */
export function createRedisClient(cfg: RedisStoreConfig): RedisClient {
  const common = connectionOptions(cfg);
  if (cfg.mode === 'cluster') {
    const options: ClusterOptions = {
      lazyConnect: true,
      scaleReads: 'master',
      redisOptions: common,
    };
    return new Cluster(cfg.nodes ?? [], options);
  }
  if (cfg.mode === 'sentinel') {
    return new Redis({
      ...common,
      lazyConnect: true,
      sentinels: cfg.sentinels,
      name: cfg.name,
      db: cfg.db,
      sentinelUsername: cfg.sentinel_username,
      sentinelPassword: cfg.sentinel_password,
      // Without it the client stays on a demoted master, whose writes Sentinel later discards, until
      // Sentinel reconfigures that server (seconds later); with it, +switch-master makes it reconnect.
      failoverDetector: true,
    });
  }
  if (cfg.url !== undefined) {
    // Explicit options win over the URL's, so only pass what the config actually set.
    const fromConfig: RedisOptions = { ...common, lazyConnect: true };
    if (cfg.db !== 0) fromConfig.db = cfg.db;
    return new Redis(cfg.url, fromConfig);
  }
  return new Redis({
    ...common,
    lazyConnect: true,
    host: cfg.host ?? DEFAULT_REDIS_HOST,
    port: cfg.port ?? DEFAULT_REDIS_PORT,
    db: cfg.db,
  });
}

export function describeTarget(cfg: RedisStoreConfig): string {
  if (cfg.mode === 'cluster') return `Redis Cluster via ${(cfg.nodes ?? []).map((n) => `${n.host}:${n.port}`).join(',')}`;
  if (cfg.mode === 'sentinel') {
    return `Redis master "${cfg.name}" via Sentinel ${(cfg.sentinels ?? []).map((n) => `${n.host}:${n.port}`).join(',')}`;
  }
  if (cfg.url !== undefined) return `Redis at ${cfg.url.replace(/\/\/[^@/]*@/, '//***@')}`;
  return `Redis at ${cfg.host ?? DEFAULT_REDIS_HOST}:${cfg.port ?? DEFAULT_REDIS_PORT}`;
}

/** Connects within connect_timeout_ms or fails with ERR_STORE_UNAVAILABLE (and stops reconnecting). */
export async function connectRedis(client: RedisClient, cfg: RedisStoreConfig): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no connection within ${cfg.connect_timeout_ms} ms`)), cfg.connect_timeout_ms);
  });
  // Until connected, errors arrive as 'error' events too; they are reported through the rejection.
  const swallow = () => {};
  client.on('error', swallow);
  try {
    await Promise.race([client.connect(), deadline]);
    await Promise.race([client.ping(), deadline]);
  } catch (err) {
    client.disconnect();
    throw new WinnowError('ERR_STORE_UNAVAILABLE', `${describeTarget(cfg)} is not answering: ${(err as Error).message}`, {
      cause: err,
    });
  } finally {
    clearTimeout(timer);
  }
}

// Server replies that mean "the server cannot serve now", not "this command is wrong".
const UNAVAILABLE_REPLY = /^(LOADING|BUSY|MASTERDOWN|CLUSTERDOWN|READONLY|TRYAGAIN|OOM|NOREPLICAS|MISCONF)\b/;

export function mapRedisError(err: unknown): unknown {
  if (err instanceof WinnowError) return err;
  if (!(err instanceof Error)) return err;
  const isReply = err.name === 'ReplyError';
  const code = isReply && !UNAVAILABLE_REPLY.test(err.message) ? 'ERR_STORE_FAILED' : 'ERR_STORE_UNAVAILABLE';
  return new WinnowError(code, `redis: ${err.message}`, { cause: err });
}
