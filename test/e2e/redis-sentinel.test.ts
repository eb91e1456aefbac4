// E2E: the shared storage contract through Redis Sentinel (master + replica + 3 Sentinels on loopback), then a failover the store must follow without a restart.

import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { WinnowError } from '../../src/errors.ts';
import { storeConfigSchema, type RedisStoreConfig } from '../../src/storage/config.ts';
import { storeContract } from '../../src/storage/contract/index.ts';
import { openStore } from '../../src/storage/open-store.ts';
import { openRedisStore } from '../../src/storage/redis/redis-store.ts';
import type { Store, StoreLimits } from '../../src/storage/store.ts';
import { isAlive, redisCommand, startRedisSentinel, waitUntil, type RedisSentinelTopology } from '../support/redis-topology.ts';

const runPrefix = `winnow-e2e:${process.pid}-${randomBytes(4).toString('hex')}:`;
/** Sentinel promotes the replica and every Sentinel publishes the new master within this (measured: ~1-3 s). */
const FAILOVER_DEADLINE_MS = 15_000;
/** After the Sentinels agree, the same store object must be writing to the new master within this. */
const RECOVERY_DEADLINE_MS = 5000;
/** Gap between probe operations during the failover window. */
const PROBE_INTERVAL_MS = 25;
/** Short client timeouts so an operation against a dead or demoted master fails fast instead of hanging. */
const CLIENT_TIMEOUT_MS = 1000;
/** One call may wait for a reconnect and one retry (maxRetriesPerRequest 1), each bounded by CLIENT_TIMEOUT_MS. */
const MAX_CALL_MS = 4 * CLIENT_TIMEOUT_MS;
const T0 = Date.UTC(2024, 2, 1, 12);
let topo: RedisSentinelTopology | undefined;
let n = 0;

before(async () => {
  try {
    topo = await startRedisSentinel();
  } catch (err) {
    throw new Error(`could not start Redis master + replica + 3 Sentinels on loopback (needs redis-server 7 on PATH): ${(err as Error).message}`, {
      cause: err,
    });
  }
});
after(() => topo?.stop());

function sentinel(): RedisSentinelTopology {
  if (!topo) throw new Error('the Sentinel topology did not start (see the before hook)');
  return topo;
}

function sentinelConfig(prefix: string, t = sentinel()) {
  return { backend: 'redis', mode: 'sentinel', sentinels: t.sentinels, name: t.name, prefix } as const;
}

/** Same validation as openStore; limits go straight to the backend because the contract uses sizes below the config minimums. */
async function open(limits: Partial<StoreLimits> = {}) {
  const cfg = storeConfigSchema.parse(sentinelConfig(`${runPrefix}${n++}:`)) as RedisStoreConfig;
  return openRedisStore(cfg, { historySize: cfg.history_size, maxTokens: cfg.max_tokens, maxWeightBuckets: cfg.max_weight_buckets, ...limits });
}

storeContract({ backend: 'redis', open });

interface ProbeEvent {
  at: number;
  /** How long the operation took: every call must be bounded, failed or not. */
  ms: number;
  ok: boolean;
  code?: string;
  message?: string;
}

/** Writes one counter increment every PROBE_INTERVAL_MS until stopped, recording each outcome. */
function startProbe(store: Store): { events: ProbeEvent[]; stop(): Promise<void> } {
  const events: ProbeEvent[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const t0 = Date.now();
      try {
        await store.counters.add({ during: 1 });
        events.push({ at: t0, ms: Date.now() - t0, ok: true });
      } catch (err) {
        const e = err as WinnowError;
        events.push({ at: t0, ms: Date.now() - t0, ok: false, code: e.code, message: e.message });
      }
      await sleep(PROBE_INTERVAL_MS);
    }
  })();
  return {
    events,
    async stop() {
      running = false;
      await loop;
    },
  };
}

interface FailoverOutcome {
  /** Probe calls that failed during the failover window. */
  failures: ProbeEvent[];
}

/**
 * Writes data and waits until the replica has it, runs `trigger` while a probe keeps writing, then checks that every
 * Sentinel names the replica as master, that the same store object writes there within RECOVERY_DEADLINE_MS, that
 * the replicated data is readable and every kind of write works; errors meanwhile must be ERR_STORE_UNAVAILABLE.
 */
async function exerciseFailover(t: TestContext, topology: RedisSentinelTopology, label: string, trigger: () => Promise<void>): Promise<FailoverOutcome> {
  const prefix = `${runPrefix}${label}:`;
  const cfg = { ...sentinelConfig(prefix, topology), command_timeout_ms: CLIENT_TIMEOUT_MS, connect_timeout_ms: CLIENT_TIMEOUT_MS };
  const store = await openStore(cfg);
  let probe: ReturnType<typeof startProbe> | undefined;
  try {
    const triplet = '192.0.2.1|a@example.org|b@example.net';
    await store.counters.add({ before: 5 });
    await store.tokens.learn({ tokens: ['cheap', 'pills'], cls: 'spam', sig: 'msg-1', now: T0 });
    await store.weights.apply({ buckets: [11, 12], deltas: [0.5, 0.25], biasDelta: 0.125, cls: 'spam', sig: 'msg-1', now: T0 });
    await store.greylist.seen(triplet, T0, 3_600_000);
    await store.greylist.whitelist.add('192.0.2.9', T0 + 3_600_000, 'passed greylisting');
    const old = await topology.masterAddr();
    assert.equal(old.port, topology.master.port, 'the master as started, before any failover');
    assert.equal(await redisCommand(old.port, 'WAIT', 1, 1000), 1, 'the replica acknowledged every write before the failover');

    probe = startProbe(store);
    const triggeredAt = Date.now();
    await trigger();
    const promoted = await waitUntil('every Sentinel naming the promoted replica as master', FAILOVER_DEADLINE_MS, async () => {
      const addrs = await Promise.all(topology.sentinels.map((s) => topology.masterAddr(s.port)));
      if (addrs.every((a) => a.port === topology.replica.port)) return addrs[0];
      throw new Error(`Sentinels name ${addrs.map((a) => a.port).join(', ')}`);
    });
    const agreedAt = Date.now();
    const key = `${prefix}counters`;
    // The write must land on the new master: a client still talking to the old one would leave no trace there.
    await waitUntil('the store writing to the new master', RECOVERY_DEADLINE_MS, async () => {
      await store.counters.add({ after: 1 });
      if ((await redisCommand(promoted.port, 'HGET', key, 'after')) !== null) return true;
      throw new Error(`writes succeed but none reached the new master ${promoted.port}: the client is still on the old master`);
    });
    const recoveredAt = Date.now();
    await probe.stop();

    const events = probe.events;
    const failures = events.filter((e) => !e.ok);
    const acked = events.length - failures.length;
    const onNewMaster = Number((await redisCommand(promoted.port, 'HGET', key, 'during')) ?? 0);
    const slowestMs = Math.max(...events.map((e) => e.ms));
    const span = failures.length > 0 ? `${failures[0].at - triggeredAt}..${failures.at(-1)!.at + failures.at(-1)!.ms - triggeredAt} ms` : 'none';
    t.diagnostic(
      `${label}: Sentinels agreed after ${agreedAt - triggeredAt} ms; the store wrote to the new master after ${recoveredAt - triggeredAt} ms; ` +
        `probe: ${events.length} writes, ${failures.length} failed (window ${span}), slowest call ${slowestMs} ms; ` +
        `${acked} acknowledged, ${onNewMaster} present on the new master (acknowledged writes the old master took after the ` +
        'promotion are lost; more present than acknowledged means a call that failed on a timeout was applied after reconnecting)',
    );
    for (const msg of new Set(failures.map((f) => `${f.code}: ${f.message}`))) t.diagnostic(`  failure seen: ${msg}`);
    for (const f of failures) {
      assert.equal(f.code, 'ERR_STORE_UNAVAILABLE', `an error during failover must be ERR_STORE_UNAVAILABLE, got ${f.code}: ${f.message}`);
      assert.match(f.message ?? '', /^redis: /);
    }
    assert.ok(slowestMs <= MAX_CALL_MS, `every call is bounded: the slowest took ${slowestMs} ms (limit ${MAX_CALL_MS})`);

    // Everything replicated before the failover is still there, read through the same store object.
    assert.equal((await store.counters.getAll()).before, 5);
    assert.deepEqual(await store.tokens.get(['cheap', 'pills']), { nspam: 1, nham: 0, counts: [{ spam: 1, ham: 0 }, { spam: 1, ham: 0 }] });
    assert.equal(await store.tokens.isLearned('msg-1'), 'spam');
    assert.deepEqual(await store.weights.read([11, 12]), { weights: [0.5, 0.25], bias: 0.125, nspam: 1, nham: 0 });
    assert.equal((await store.greylist.get(triplet, T0 + 1))?.firstSeen, T0);
    assert.equal((await store.greylist.whitelist.get('192.0.2.9', T0 + 1))?.reason, 'passed greylisting');
    // And every kind of write works on the new master.
    assert.equal(await store.tokens.learn({ tokens: ['cheap'], cls: 'spam', sig: 'msg-1', now: T0 }), 'already');
    assert.equal(await store.tokens.learn({ tokens: ['meeting'], cls: 'ham', sig: 'msg-2', now: T0 }), 'learned');
    assert.equal(await store.weights.apply({ buckets: [13], deltas: [-0.5], biasDelta: 0, cls: 'ham', sig: 'msg-2', now: T0 }), 'learned');
    assert.equal((await store.rate.take('ip:192.0.2.1', 1, 3, T0)).remaining, 2);
    await store.fuzzy.add([{ hash: 'f1', flag: 1, weight: 2 }], T0, 60_000);
    assert.equal((await store.fuzzy.get(['f1'], T0))[0]?.weight, 2);
    await store.history.push({ id: 'after-failover', unixTime: 0, rcptSmtp: [], rcptMime: [], score: 0, requiredScore: 0, action: 'no action', size: 0, timeMs: 0, isSkipped: false, symbols: {} });
    assert.equal((await store.history.recent(1))[0]?.id, 'after-failover');
    assert.equal(await redisCommand(promoted.port, 'HEXISTS', `${prefix}{bayes:}:sigs`, 'msg-2'), 1, 'the new learn is on the new master');
    return { failures };
  } finally {
    await probe?.stop();
    await store.close();
  }
}

describe('redis sentinel specifics', () => {
  test('openStore connects through Sentinel; health names the master group', async () => {
    const store = await openStore(sentinelConfig(`${runPrefix}open:`));
    try {
      const h = await store.health();
      assert.equal(h.ok, true);
      assert.match(h.detail, /^Redis master "mymaster" via Sentinel 127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+: redis 7\.[\d.]+ \(standalone\)/);
    } finally {
      await store.close();
    }
  });

  test('SENTINEL FAILOVER: replicated data stays readable and the same store follows the new master', async (t) => {
    const topology = sentinel();
    await exerciseFailover(t, topology, 'manual-failover', async () => {
      assert.equal(await redisCommand(topology.sentinels[0].port, 'SENTINEL', 'FAILOVER', topology.name), 'OK');
    });
  });

  test('master killed: calls fail with ERR_STORE_UNAVAILABLE until Sentinel promotes the replica, then the store recovers by itself', async (t) => {
    // A fresh topology: the first one's old master only rejoins as a replica many seconds after its failover.
    const topology = await startRedisSentinel();
    t.after(() => topology.stop());
    const { failures } = await exerciseFailover(t, topology, 'master-killed', () => topology.kill(topology.master.port, 'SIGKILL'));
    assert.ok(failures.length > 0, 'with the master dead for at least down-after-milliseconds, some calls must have failed');
  });

  test('stop() ends every process (master, replica, 3 Sentinels) and removes the temp dir', async () => {
    const t = sentinel();
    assert.equal(t.pids.length, 5);
    assert.ok(t.pids.every(isAlive), 'all processes run before stop');
    await t.stop();
    assert.deepEqual(t.pids.filter(isAlive), [], 'no process survives stop()');
    assert.equal(existsSync(t.dir), false);
  });
});
