// The Redis backend: standalone, Sentinel or Cluster, every key under the configured prefix.

import { Cluster } from 'ioredis';
import type { RedisStoreConfig } from '../config.ts';
import { guardErrors } from '../guard.ts';
import type { Store, StoreLimits } from '../store.ts';
import { connectRedis, createRedisClient, describeTarget, mapRedisError, type RedisClient } from './client.ts';
import { RedisKeys } from './keys.ts';
import { defineScripts } from './lua.ts';
import { defineWeightScripts } from './lua-weights.ts';
import { RedisCounters, RedisHistory, RedisRate } from './redis-basic.ts';
import { RedisFuzzy } from './redis-fuzzy.ts';
import { RedisGreylist } from './redis-greylist.ts';
import { RedisSeries } from './redis-series.ts';
import { RedisSpamd } from './redis-spamd.ts';
import { RedisTokenStore } from './redis-tokens.ts';
import { RedisWeightStore } from './redis-weights.ts';

function infoField(info: string, field: string): string {
  return new RegExp(`^${field}:(.*)$`, 'm').exec(info)?.[1]?.trim() ?? '?';
}

async function describeServer(client: RedisClient): Promise<string> {
  if (client instanceof Cluster) {
    const masters = client.nodes('master');
    const infos = await Promise.all(masters.map((n) => n.info('server').then((s) => s + (n.options.host ?? ''))));
    const versions = [...new Set(infos.map((s) => infoField(s, 'redis_version')))].join('/');
    return `cluster of ${masters.length} masters, redis ${versions}`;
  }
  const info = await client.info();
  return `redis ${infoField(info, 'redis_version')} (${infoField(info, 'redis_mode')}), used memory ${infoField(info, 'used_memory_human')}`;
}

/** Connects (failing fast with ERR_STORE_UNAVAILABLE) and returns the store. */
export async function openRedisStore(cfg: RedisStoreConfig, limits: StoreLimits): Promise<Store> {
  const client = createRedisClient(cfg);
  await connectRedis(client, cfg);
  const keys = new RedisKeys(cfg.prefix);
  const scripts = defineScripts(client);
  const store: Store = {
    counters: new RedisCounters(client, keys),
    history: new RedisHistory(client, keys, limits.historySize),
    tokens: new RedisTokenStore(client, keys, scripts, limits.maxTokens),
    weights: new RedisWeightStore(client, keys, scripts, defineWeightScripts(client), limits.maxWeightBuckets),
    greylist: new RedisGreylist(client, keys, scripts),
    rate: new RedisRate(keys, scripts),
    fuzzy: new RedisFuzzy(client, keys, scripts),
    series: new RedisSeries(client, keys),
    spamd: new RedisSpamd(client, keys.spamd),
    async health() {
      return { ok: true, backend: 'redis', detail: `${describeTarget(cfg)}: ${await describeServer(client)}, prefix ${cfg.prefix}` };
    },
    async close() {
      if (client.status === 'end') return;
      try {
        await client.quit();
      } catch {
        // The connection is gone already; disconnect() below stops any reconnecting.
      }
      // quit() leaves the Sentinel failover detector's subscriber connections open (ioredis 6); disconnect() closes them.
      client.disconnect();
    },
  };
  return guardErrors(store, mapRedisError);
}
