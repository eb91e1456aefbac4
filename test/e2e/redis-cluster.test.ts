// E2E: the shared storage contract against a real 3-master Redis Cluster on loopback, plus where the keys land (hash tags keep one store on one slot; rate buckets spread).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { storeConfigSchema, type RedisStoreConfig, type StoreConfigInput } from '../../src/storage/config.ts';
import { storeContract } from '../../src/storage/contract/index.ts';
import { openStore } from '../../src/storage/open-store.ts';
import { openRedisStore } from '../../src/storage/redis/redis-store.ts';
import type { StoreLimits } from '../../src/storage/store.ts';
import { isAlive, redisCommand, startRedisCluster, type RedisClusterTopology } from '../support/redis-topology.ts';

const runPrefix = `winnow-e2e:${process.pid}-${randomBytes(4).toString('hex')}:`;
let cluster: RedisClusterTopology | undefined;
let n = 0;

before(async () => {
  try {
    cluster = await startRedisCluster();
  } catch (err) {
    throw new Error(`could not start a Redis Cluster on loopback (needs redis-server and redis-cli 7 on PATH): ${(err as Error).message}`, {
      cause: err,
    });
  }
});
after(() => cluster?.stop());

function nodes(): RedisClusterTopology['nodes'] {
  if (!cluster) throw new Error('the Redis Cluster did not start (see the before hook)');
  return cluster.nodes;
}

function clusterConfig(prefix: string): StoreConfigInput {
  return { backend: 'redis', mode: 'cluster', nodes: nodes(), prefix };
}

/** Same validation as openStore; limits go straight to the backend because the contract uses sizes below the config minimums. */
async function open(limits: Partial<StoreLimits> = {}, prefix = `${runPrefix}${n++}:`) {
  const cfg = storeConfigSchema.parse(clusterConfig(prefix)) as RedisStoreConfig;
  return openRedisStore(cfg, { historySize: cfg.history_size, maxTokens: cfg.max_tokens, maxWeightBuckets: cfg.max_weight_buckets, ...limits });
}

storeContract({ backend: 'redis', open });

/** Every key under `prefix`, with the master port that holds it (SCAN runs per node on a cluster). */
async function keysByNode(prefix: string): Promise<Map<string, number>> {
  const where = new Map<string, number>();
  for (const { port } of nodes()) {
    let cursor = '0';
    do {
      const [next, batch] = (await redisCommand(port, 'SCAN', cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)) as [string, string[]];
      for (const k of batch) where.set(k, port);
      cursor = next;
    } while (cursor !== '0');
  }
  return where;
}

const keySlot = async (key: string) => Number(await redisCommand(nodes()[0].port, 'CLUSTER', 'KEYSLOT', key));

describe('redis cluster specifics', () => {
  test('openStore opens the cluster from a store config block; health names the three masters', async () => {
    const store = await openStore(clusterConfig(`${runPrefix}open:`));
    try {
      const h = await store.health();
      assert.equal(h.ok, true);
      assert.match(h.detail, /^Redis Cluster via 127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+: cluster of 3 masters, redis 7\./);
      await store.counters.add({ opened: 1 });
      assert.deepEqual(await store.counters.getAll(), { opened: 1 });
    } finally {
      await store.close();
    }
  });

  test("one store's keys share one slot through the hash tag; rate buckets spread over every master", async () => {
    const prefix = `${runPrefix}layout:`;
    const s = await open({}, prefix);
    const RATE_KEYS = 60;
    try {
      await s.tokens.learn({ tokens: ['a', 'b'], cls: 'spam', sig: 'm1', user: 'alice', now: 0 });
      await s.tokens.learn({ tokens: ['a'], cls: 'ham', sig: 'm2', user: 'alice', now: 0 });
      await s.tokens.learn({ tokens: ['a'], cls: 'spam', sig: 'm3', user: 'bob', now: 0 });
      await s.weights.apply({ buckets: [1, 2], deltas: [0.5, -0.25], biasDelta: 0.1, cls: 'spam', sig: 'm1', user: 'alice', now: 0 });
      await s.greylist.seen('trip', 1, 1000);
      await s.greylist.whitelist.add('w', 1000, 'r');
      await s.fuzzy.add([{ hash: 'h', flag: 1, weight: 1 }], 1, 1000);
      for (let i = 0; i < RATE_KEYS; i++) await s.rate.take(`ip:192.0.2.${i}`, 1, 5, Date.now());

      const byNode = await keysByNode(prefix);
      const groups: Record<string, string[]> = {};
      for (const k of byNode.keys()) {
        const group = /\{([^}]*)\}/.exec(k)?.[1] ?? (k.startsWith(`${prefix}rate:`) ? 'rate' : k.slice(prefix.length));
        (groups[group] ??= []).push(k);
      }
      assert.deepEqual(
        Object.fromEntries(Object.entries(groups).map(([g, ks]) => [g, ks.length])),
        {
          'bayes:alice': 6,
          'bayes:bob': 5,
          'weights:alice': 5,
          greylist: 3,
          whitelist: 3,
          fuzzy: 2,
          rate: RATE_KEYS,
          'bayes:users': 1,
          'weights:users': 1,
        },
        'bayes:alice has spam, ham, seen, totals, sigs, sigdays; bob never learned ham',
      );
      for (const tag of ['bayes:alice', 'bayes:bob', 'weights:alice', 'greylist', 'whitelist', 'fuzzy']) {
        const slots = new Set(await Promise.all(groups[tag].map(keySlot)));
        assert.equal(slots.size, 1, `keys tagged {${tag}} must share one slot, got ${[...slots].join(',')}`);
        assert.equal(new Set(groups[tag].map((k) => byNode.get(k))).size, 1, `keys tagged {${tag}} must sit on one node`);
      }
      const rateNodes = new Map<number, number>();
      for (const k of groups.rate) rateNodes.set(byNode.get(k)!, (rateNodes.get(byNode.get(k)!) ?? 0) + 1);
      assert.equal(rateNodes.size, 3, `rate buckets should spread over all 3 masters, got ${JSON.stringify([...rateNodes])}`);
      const rateSlots = new Set(await Promise.all(groups.rate.map(keySlot)));
      assert.ok(rateSlots.size > RATE_KEYS / 2, `rate buckets should hash to many slots, got ${rateSlots.size}`);
    } finally {
      await s.close();
    }
  });

  test('stop() ends every cluster process and removes the temp dir', async () => {
    const c = cluster!;
    assert.equal(c.pids.length, 3);
    assert.ok(c.pids.every(isAlive), 'all nodes run before stop');
    await c.stop();
    assert.deepEqual(c.pids.filter(isAlive), [], 'no node survives stop()');
    assert.equal(existsSync(c.dir), false);
  });
});
