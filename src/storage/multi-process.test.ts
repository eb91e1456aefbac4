// Several processes on one store: no lost updates (SQLite), and kill -9 during a learn or weight apply, single or batched, leaves consistent data (SQLite, Redis).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { storeConfigSchema } from './config.ts';
import { openRedisStore } from './redis/redis-store.ts';
import { openSqliteStore } from './sqlite/sqlite-store.ts';
import type { Store } from './store.ts';

const dir = mkdtempSync(join(tmpdir(), 'winnow-mp-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const child = (name: string) => new URL(`./test-children/${name}`, import.meta.url).pathname;
const limits = { historySize: 10, maxTokens: 10_000_000, maxWeightBuckets: 10_000_000 };
const MIN_LEARNS_BEFORE_KILL = 150;
const KILL_DEADLINE_MS = 30_000;

function exited(cp: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => cp.once('exit', (code) => resolve(code)));
}

test('sqlite: two processes adding 500 times each to one counter on a fresh file reach 1000', async () => {
  const path = join(dir, 'counter.sqlite');
  const kids = [0, 1].map(() => fork(child('increment-counter.ts'), [path, '500'], { stdio: 'inherit' }));
  const codes = await Promise.all(kids.map(exited));
  assert.deepEqual(codes, [0, 0]);
  const store = openSqliteStore(path, limits);
  assert.deepEqual(await store.counters.getAll(), { hits: 1000 });
  await store.close();
});

/** Starts a child loop, waits until `progress` reports enough committed writes, then SIGKILLs it. */
async function killMidLoop(name: string, args: string[], progress: () => Promise<number>): Promise<void> {
  const cp = fork(child(name), args, { stdio: 'inherit' });
  const done = exited(cp);
  await new Promise<void>((resolve, reject) => {
    cp.once('message', () => resolve());
    cp.once('exit', (code) => reject(new Error(`learn child exited early with ${code}`)));
  });
  const deadline = Date.now() + KILL_DEADLINE_MS;
  while ((await progress()) < MIN_LEARNS_BEFORE_KILL) {
    assert.ok(Date.now() < deadline, 'learn child made too little progress');
    await sleep(20);
  }
  // A few ms more so the kill lands at a random point of a learn, not right after this read.
  await sleep(Math.floor(Math.random() * 15));
  cp.kill('SIGKILL');
  assert.equal(await done, null);
}

/**
 * Every committed learn (300 tokens: common, pair-(i % 50), 298 of its own) added 1 to nspam, one
 * signature, 1 to "common" and 1 to its pair token; nothing half-done is visible.
 */
async function assertConsistent(store: Store): Promise<number> {
  const st = await store.tokens.stats();
  const n = st.nspam;
  assert.ok(n >= MIN_LEARNS_BEFORE_KILL);
  assert.equal(st.signatures, n, 'one signature per committed learn');
  const pairs = Array.from({ length: 50 }, (_, k) => `pair-${k}`);
  const g = await store.tokens.get(['common', ...pairs, `m${n - 1}-t0`, `m${n - 1}-t297`, `m${n}-t0`]);
  assert.equal(g.counts[0].spam, n, 'common token counted once per committed learn');
  // n >= 150, so each pair-k was used by learns k, k + 50, ... below n.
  pairs.forEach((_, k) => assert.equal(g.counts[1 + k].spam, Math.floor((n - 1 - k) / 50) + 1, `pair-${k}`));
  assert.deepEqual(g.counts.slice(51), [{ spam: 1, ham: 0 }, { spam: 1, ham: 0 }, { spam: 0, ham: 0 }], 'last learn complete, next absent');
  assert.equal(st.tokens, 1 + 50 + n * 298);
  assert.equal(await store.tokens.isLearned(`msg-${n - 1}`), 'spam');
  assert.equal(await store.tokens.isLearned(`msg-${n}`), undefined);
  return n;
}

test('sqlite: kill -9 during a learn loop leaves counts, totals and signatures consistent', async () => {
  const path = join(dir, 'crash.sqlite');
  const observer = openSqliteStore(path, limits);
  await killMidLoop('learn-loop.ts', ['sqlite', path], async () => (await observer.tokens.stats()).nspam);
  await observer.close();
  const raw = new DatabaseSync(path);
  assert.equal((raw.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check, 'ok');
  const counted = raw.prepare("SELECT count(*) AS n FROM bayes_tokens WHERE ns = ''").get() as { n: number };
  const tracked = raw.prepare("SELECT ntokens FROM bayes_ns WHERE ns = ''").get() as { ntokens: number };
  assert.equal(tracked.ntokens, counted.n, 'trigger-maintained token count matches the table');
  raw.close();
  const store = openSqliteStore(path, limits);
  await assertConsistent(store);
  await store.close();
});

test('redis: kill -9 during a learn loop leaves counts, totals and signatures consistent', async () => {
  const prefix = `winnow-test:${process.pid}-${randomBytes(4).toString('hex')}:crash:`;
  const cfg = storeConfigSchema.parse({ backend: 'redis', host: '127.0.0.1', port: 6379, prefix });
  if (cfg.backend !== 'redis') throw new Error('unreachable');
  const store = await openRedisStore(cfg, limits);
  const admin = new Redis({ host: '127.0.0.1', port: 6379 });
  try {
    await killMidLoop('learn-loop.ts', ['redis', prefix], async () => (await store.tokens.stats()).nspam);
    await assertConsistent(store);
  } finally {
    await store.close();
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
  }
});

/** Batches of this many learns (or applies) in the batch crash tests; a kill must leave a whole number of batches. */
const CRASH_BATCH = 7;

test('sqlite: kill -9 during a learnBatch loop leaves whole batches only, consistent', async () => {
  const path = join(dir, 'crash-batch.sqlite');
  const observer = openSqliteStore(path, limits);
  await killMidLoop('learn-loop.ts', ['sqlite', path, String(CRASH_BATCH)], async () => (await observer.tokens.stats()).nspam);
  await observer.close();
  const store = openSqliteStore(path, limits);
  const n = await assertConsistent(store);
  assert.equal(n % CRASH_BATCH, 0, `${n} learns committed: not a whole number of batches`);
  await store.close();
});

test('redis: kill -9 during a learnBatch loop leaves whole batches only, consistent', async () => {
  const prefix = `winnow-test:${process.pid}-${randomBytes(4).toString('hex')}:crash-batch:`;
  const cfg = storeConfigSchema.parse({ backend: 'redis', host: '127.0.0.1', port: 6379, prefix });
  if (cfg.backend !== 'redis') throw new Error('unreachable');
  const store = await openRedisStore(cfg, limits);
  const admin = new Redis({ host: '127.0.0.1', port: 6379 });
  try {
    await killMidLoop('learn-loop.ts', ['redis', prefix, String(CRASH_BATCH)], async () => (await store.tokens.stats()).nspam);
    const n = await assertConsistent(store);
    assert.equal(n % CRASH_BATCH, 0, `${n} learns committed: not a whole number of batches`);
  } finally {
    await store.close();
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
  }
});

/**
 * apply-loop.ts: apply i adds +1 to the shared bucket 0 and to pair bucket 1 + (i % 50), +0.5 to its
 * 238 own buckets (1000 + i * 238 ...), +1 to the bias, counts one spam and stores signature msg-i.
 * Whatever the kill interrupted, exactly the first n applies are visible.
 */
async function assertWeightsConsistent(store: Store): Promise<number> {
  const own = (i: number, j: number) => 1000 + i * 238 + j;
  const st = await store.weights.stats();
  const n = st.nspam;
  assert.ok(n >= MIN_LEARNS_BEFORE_KILL);
  assert.equal(st.signatures, n, 'one signature per committed apply');
  const pairs = Array.from({ length: 50 }, (_, k) => 1 + k);
  const r = await store.weights.read([0, ...pairs, own(n - 1, 0), own(n - 1, 237), own(n, 0)]);
  assert.equal(r.weights[0], n, 'shared bucket: +1.0 per committed apply');
  assert.equal(r.bias, n, 'bias: +1 per committed apply');
  pairs.forEach((_, k) => assert.equal(r.weights[1 + k], Math.floor((n - 1 - k) / 50) + 1, `pair bucket ${1 + k}`));
  assert.deepEqual(r.weights.slice(51), [0.5, 0.5, 0], 'last apply complete, next absent');
  assert.equal(st.buckets, 1 + 50 + n * 238);
  assert.equal(await store.weights.isLearned(`msg-${n - 1}`), 'spam');
  assert.equal(await store.weights.isLearned(`msg-${n}`), undefined);
  return n;
}

test('sqlite: kill -9 during a weight apply loop leaves weights, bias, totals and signatures consistent', async () => {
  const path = join(dir, 'crash-weights.sqlite');
  const observer = openSqliteStore(path, limits);
  await killMidLoop('apply-loop.ts', ['sqlite', path], async () => (await observer.weights.stats()).nspam);
  await observer.close();
  const raw = new DatabaseSync(path);
  assert.equal((raw.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check, 'ok');
  const counted = raw.prepare("SELECT count(*) AS n FROM lr_weights WHERE ns = ''").get() as { n: number };
  const tracked = raw.prepare("SELECT nbuckets FROM lr_ns WHERE ns = ''").get() as { nbuckets: number };
  assert.equal(tracked.nbuckets, counted.n, 'trigger-maintained bucket count matches the table');
  raw.close();
  const store = openSqliteStore(path, limits);
  await assertWeightsConsistent(store);
  await store.close();
});

test('redis: kill -9 during a weight apply loop leaves weights, bias, totals and signatures consistent', async () => {
  const prefix = `winnow-test:${process.pid}-${randomBytes(4).toString('hex')}:crash-weights:`;
  const cfg = storeConfigSchema.parse({ backend: 'redis', host: '127.0.0.1', port: 6379, prefix });
  if (cfg.backend !== 'redis') throw new Error('unreachable');
  const store = await openRedisStore(cfg, limits);
  const admin = new Redis({ host: '127.0.0.1', port: 6379 });
  try {
    await killMidLoop('apply-loop.ts', ['redis', prefix], async () => (await store.weights.stats()).nspam);
    await assertWeightsConsistent(store);
  } finally {
    await store.close();
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
  }
});

test('sqlite: kill -9 during an applyBatch loop leaves whole batches only, consistent', async () => {
  const path = join(dir, 'crash-weights-batch.sqlite');
  const observer = openSqliteStore(path, limits);
  await killMidLoop('apply-loop.ts', ['sqlite', path, String(CRASH_BATCH)], async () => (await observer.weights.stats()).nspam);
  await observer.close();
  const store = openSqliteStore(path, limits);
  const n = await assertWeightsConsistent(store);
  assert.equal(n % CRASH_BATCH, 0, `${n} applies committed: not a whole number of batches`);
  await store.close();
});

test('redis: kill -9 during an applyBatch loop leaves whole batches only, consistent', async () => {
  const prefix = `winnow-test:${process.pid}-${randomBytes(4).toString('hex')}:crash-weights-batch:`;
  const cfg = storeConfigSchema.parse({ backend: 'redis', host: '127.0.0.1', port: 6379, prefix });
  if (cfg.backend !== 'redis') throw new Error('unreachable');
  const store = await openRedisStore(cfg, limits);
  const admin = new Redis({ host: '127.0.0.1', port: 6379 });
  try {
    await killMidLoop('apply-loop.ts', ['redis', prefix, String(CRASH_BATCH)], async () => (await store.weights.stats()).nspam);
    const n = await assertWeightsConsistent(store);
    assert.equal(n % CRASH_BATCH, 0, `${n} applies committed: not a whole number of batches`);
  } finally {
    await store.close();
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
  }
});
