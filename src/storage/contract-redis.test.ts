// Runs the storage contract against the real Redis at 127.0.0.1:6379 (unique key prefix per run, deleted after), plus Redis-only checks.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { storeConfigSchema, type RedisStoreConfig } from './config.ts';
import { storeContract } from './contract/index.ts';
import { RedisKeys } from './redis/keys.ts';
import { openRedisStore } from './redis/redis-store.ts';
import type { StoreLimits } from './store.ts';
import { SWEEP_EVERY_WRITES } from './rules.ts';
import { keysUnder } from '../../test/support/redis-keys.ts';

const HOST = '127.0.0.1';
// Overridable only to check the failure message against a port where nothing listens.
const PORT = Number(process.env.WINNOW_TEST_REDIS_PORT ?? 6379);
const NOT_ANSWERING =
  `Redis at ${HOST}:${PORT} is not answering: start it with \`sudo systemctl start redis-server\` ` +
  '(or `redis-server --daemonize yes`); the Redis storage tests need a real server and do not skip';
const runPrefix = `winnow-test:${process.pid}-${randomBytes(4).toString('hex')}:`;
let n = 0;

function config(prefix: string): RedisStoreConfig {
  const c = storeConfigSchema.parse({ backend: 'redis', host: HOST, port: PORT, prefix, connect_timeout_ms: 2000 });
  if (c.backend !== 'redis') throw new Error('unreachable');
  return c;
}

async function open(limits: Partial<StoreLimits> = {}, prefix = `${runPrefix}${n++}:`) {
  const cfg = config(prefix);
  try {
    return await openRedisStore(cfg, { historySize: cfg.history_size, maxTokens: cfg.max_tokens, maxWeightBuckets: cfg.max_weight_buckets, ...limits });
  } catch (err) {
    throw new Error(NOT_ANSWERING, { cause: err });
  }
}

const admin = new Redis({ host: HOST, port: PORT, lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000 });
admin.on('error', () => {});

async function runKeys(): Promise<string[]> {
  return keysUnder(admin, runPrefix);
}

after(async () => {
  try {
    // A run filtered with --test-name-pattern skips the test that connects; clean up its keys anyway.
    if (admin.status === 'wait') await admin.connect().catch(() => {});
    if (admin.status === 'ready') {
      const keys = await runKeys();
      for (let i = 0; i < keys.length; i += 500) await admin.del(...keys.slice(i, i + 500));
    }
  } finally {
    admin.disconnect();
  }
});

test(`Redis answers at ${HOST}:${PORT}`, async () => {
  try {
    await admin.connect();
    assert.equal(await admin.ping(), 'PONG');
  } catch (err) {
    assert.fail(`${NOT_ANSWERING} (${(err as Error).message})`);
  }
});

storeContract({
  backend: 'redis',
  open,
  openPair: async () => {
    const prefix = `${runPrefix}${n++}:`;
    return [await open({}, prefix), await open({}, prefix)];
  },
});

describe('redis backend specifics', () => {
  test('every key is under the prefix; keys one script touches share one hash tag', async () => {
    const prefix = `${runPrefix}layout:`;
    const s = await open({}, prefix);
    try {
      await s.tokens.learn({ tokens: ['a'], cls: 'spam', sig: 'm', user: 'u{x}', now: 0 });
      await s.weights.apply({ buckets: [1], deltas: [0.5], biasDelta: 0, cls: 'spam', sig: 'm', user: 'u{x}', now: 0 });
      await s.greylist.seen('k', 1, 1000);
      await s.greylist.whitelist.add('w', 1000, 'r');
      await s.fuzzy.add([{ hash: 'h', flag: 1, weight: 1 }], 1, 1000);
      await s.counters.add({ c: 1 });
      await s.history.push({ id: 'x', unixTime: 0, rcptSmtp: [], rcptMime: [], score: 0, requiredScore: 0, action: 'no action', size: 0, timeMs: 0, isSkipped: false, symbols: {} });
      await s.rate.take('r', 1, 5, Date.now());
      const keys = (await runKeys()).filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)).sort();
      assert.deepEqual(keys, [
        'bayes:users',
        'counters',
        'history',
        'rate:r',
        'weights:users',
        '{bayes:u%7Bx%7D}:seen',
        '{bayes:u%7Bx%7D}:sigdays',
        '{bayes:u%7Bx%7D}:sigs',
        '{bayes:u%7Bx%7D}:spam',
        '{bayes:u%7Bx%7D}:totals',
        '{fuzzy}:entries',
        '{fuzzy}:expiry',
        '{greylist}:entries',
        '{greylist}:expiry',
        '{greylist}:order',
        '{weights:u%7Bx%7D}:age',
        '{weights:u%7Bx%7D}:sigdays',
        '{weights:u%7Bx%7D}:sigs',
        '{weights:u%7Bx%7D}:totals',
        '{weights:u%7Bx%7D}:w',
        '{whitelist}:entries',
        '{whitelist}:expiry',
        '{whitelist}:order',
      ]);
      const k = new RedisKeys(prefix).bayes('u{x}');
      const tags = new Set(Object.values(k).map((key) => /\{([^}]*)\}/.exec(key)?.[1]));
      assert.deepEqual([...tags], ['bayes:u%7Bx%7D']);
      const wk = new RedisKeys(prefix).weights('u{x}');
      assert.deepEqual([...new Set(Object.values(wk).map((key) => /\{([^}]*)\}/.exec(key)?.[1]))], ['weights:u%7Bx%7D']);
    } finally {
      await s.close();
    }
  });

  test('a bucket key expires (PTTL) when it would be full again; a full bucket stores nothing', async () => {
    const prefix = `${runPrefix}rate:`;
    const s = await open({}, prefix);
    try {
      await s.rate.take('a', 10, 5, Date.now(), 2);
      const ttl = await admin.pttl(`${prefix}rate:a`);
      assert.ok(ttl > 0 && ttl <= 200, `pttl ${ttl} should be the 200 ms refill time`);
      await s.rate.take('b', 10, 5, Date.now(), 0);
      assert.equal(await admin.exists(`${prefix}rate:b`), 0);
    } finally {
      await s.close();
    }
  });

  test('every SWEEP_EVERY_WRITES-th sighting sweeps expired entries from the hash and both sets; the order set gains only new keys', async () => {
    const prefix = `${runPrefix}sweep:`;
    const s = await open({}, prefix);
    const timing = { delayMs: 10, retryWindowMs: 50, passTtlMs: 1000 };
    const members = async () => ({
      entries: (await admin.hkeys(`${prefix}{greylist}:entries`)).sort(),
      expiry: (await admin.zrange(`${prefix}{greylist}:expiry`, '0', '-1')).sort(),
      order: await admin.zrange(`${prefix}{greylist}:order`, '0', '-1'),
    });
    try {
      await s.greylist.sight('old', 1_000, timing);
      await s.greylist.sight('old', 1_020, timing); // an update: still one member of the order set
      assert.deepEqual((await members()).order, ['old']);
      for (let i = 3; i < SWEEP_EVERY_WRITES; i++) await s.greylist.sight(`k${i}`, 5_000, timing);
      assert.ok((await members()).entries.includes('old'), 'no sweep before a chunk of writes is due');
      await s.greylist.sight('last', 5_000, timing);
      const after = await members();
      for (const set of [after.entries, after.expiry, after.order]) assert.ok(!set.includes('old'), 'the expired entry is swept everywhere');
      assert.equal(after.entries.length, SWEEP_EVERY_WRITES - 2);
      assert.deepEqual(after.order, after.entries);
    } finally {
      await s.close();
    }
  });

  test('history is an LTRIMmed list of at most historySize', async () => {
    const prefix = `${runPrefix}hist:`;
    const s = await open({ historySize: 3 }, prefix);
    try {
      for (let i = 0; i < 10; i++) {
        await s.history.push({ id: `${i}`, unixTime: i, rcptSmtp: [], rcptMime: [], score: 0, requiredScore: 0, action: 'no action', size: 0, timeMs: 0, isSkipped: false, symbols: {} });
      }
      assert.equal(await admin.llen(`${prefix}history`), 3);
    } finally {
      await s.close();
    }
  });

  test('an unreachable server fails fast with ERR_STORE_UNAVAILABLE naming the target', async () => {
    const cfg = { ...config(`${runPrefix}none:`), port: 1, connect_timeout_ms: 1000 };
    const t0 = Date.now();
    await assert.rejects(openRedisStore(cfg, { historySize: 10, maxTokens: 100, maxWeightBuckets: 100 }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ERR_STORE_UNAVAILABLE');
      assert.match(err.message, /Redis at 127\.0\.0\.1:1 is not answering/);
      return true;
    });
    assert.ok(Date.now() - t0 < 3000);
  });

  test('commands after close fail with ERR_STORE_UNAVAILABLE', async () => {
    const s = await open();
    await s.close();
    await assert.rejects(s.counters.getAll(), { code: 'ERR_STORE_UNAVAILABLE' });
  });
});
