// Runs the storage contract against SQLite files in a temporary directory, plus SQLite-only checks.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { storeContract } from './contract/index.ts';
import { DEFAULT_HISTORY_SIZE, DEFAULT_MAX_TOKENS, SWEEP_EVERY_WRITES } from './rules.ts';
import { DEFAULT_MAX_WEIGHT_BUCKETS, WEIGHT_EPSILON } from './weight-rules.ts';
import { MIGRATIONS, SCHEMA_VERSION } from './sqlite/migrations.ts';
import { openSqliteStore } from './sqlite/sqlite-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'winnow-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const limits = { historySize: DEFAULT_HISTORY_SIZE, maxTokens: DEFAULT_MAX_TOKENS, maxWeightBuckets: DEFAULT_MAX_WEIGHT_BUCKETS };

storeContract({
  backend: 'sqlite',
  open: async (l) => openSqliteStore(join(dir, `contract-${n++}.sqlite`), { ...limits, ...l }),
  openPair: async () => {
    const path = join(dir, `contract-${n++}.sqlite`);
    return [openSqliteStore(path, limits), openSqliteStore(path, limits)];
  },
});

describe('sqlite backend specifics', () => {
  test('creates the data directory, uses WAL and records the schema version', async () => {
    const path = join(dir, 'nested', 'deeper', 'w.sqlite');
    const store = openSqliteStore(path, limits);
    const h = await store.health();
    assert.match(h.detail, /nested\/deeper\/w\.sqlite/);
    await store.close();
    const db = new DatabaseSync(path);
    assert.equal((db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode, 'wal');
    assert.equal((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version, SCHEMA_VERSION);
    db.close();
  });

  test('reopening keeps data (no re-migration)', async () => {
    const path = join(dir, 'reopen.sqlite');
    const a = openSqliteStore(path, limits);
    await a.counters.add({ x: 3 });
    await a.close();
    const b = openSqliteStore(path, limits);
    assert.deepEqual(await b.counters.getAll(), { x: 3 });
    await b.close();
  });

  test('a version-1 file (before the weight tables) is migrated on open and keeps its data', async () => {
    const path = join(dir, 'v1.sqlite');
    const db = new DatabaseSync(path);
    db.exec(MIGRATIONS[0]);
    db.exec("INSERT INTO counters (name, value) VALUES ('old', 7); PRAGMA user_version = 1");
    db.close();
    const store = openSqliteStore(path, limits);
    assert.deepEqual(await store.counters.getAll(), { old: 7 });
    assert.equal(await store.weights.apply({ buckets: [3], deltas: [0.5], biasDelta: 0, cls: 'ham', sig: 's' }), 'learned');
    assert.deepEqual((await store.weights.read([3])).weights, [0.5]);
    await store.close();
    const raw = new DatabaseSync(path);
    assert.equal((raw.prepare('PRAGMA user_version').get() as { user_version: number }).user_version, SCHEMA_VERSION);
    raw.close();
  });

  test('the zero-weight triggers use the same epsilon as the other backends', () => {
    assert.equal(MIGRATIONS[2].match(/abs\(NEW\.weight\) < ([\d.e-]+)/g)?.length, 2);
    for (const m of MIGRATIONS[2].matchAll(/abs\(NEW\.weight\) < ([\d.e-]+)/g)) assert.equal(Number(m[1]), WEIGHT_EPSILON);
  });

  test('a file from a newer winnow is refused with ERR_STORE_SCHEMA', () => {
    const path = join(dir, 'future.sqlite');
    const db = new DatabaseSync(path);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    assert.throws(() => openSqliteStore(path, limits), { code: 'ERR_STORE_SCHEMA' });
  });

  test('an unopenable path is ERR_STORE_UNAVAILABLE; a non-database file is ERR_STORE_CORRUPT', () => {
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'x');
    assert.throws(() => openSqliteStore(join(file, 'sub', 'w.sqlite'), limits), { code: 'ERR_STORE_UNAVAILABLE' });
    const junk = join(dir, 'junk.sqlite');
    writeFileSync(junk, 'this is not an SQLite database, just bytes that are long enough to have a header '.repeat(20));
    assert.throws(() => openSqliteStore(junk, limits), { code: 'ERR_STORE_CORRUPT' });
  });

  test('use after close is ERR_STORE_UNAVAILABLE', async () => {
    const store = openSqliteStore(join(dir, 'closed.sqlite'), limits);
    await store.close();
    await assert.rejects(store.counters.getAll(), { code: 'ERR_STORE_UNAVAILABLE' });
  });

  test('full rate buckets and expired rows are deleted, not kept', async () => {
    const path = join(dir, 'expiry.sqlite');
    const store = openSqliteStore(path, limits);
    await store.rate.take('a', 10, 5, 1_000);
    await store.rate.take('b', 10, 5, 1_000, 0);
    const db = new DatabaseSync(path);
    const rateRows = () => (db.prepare('SELECT key, expires_at FROM rate').all() as { key: string; expires_at: number }[]);
    assert.deepEqual(rateRows().map((r) => [r.key, r.expires_at]), [['a', 1_100]], 'refills in 100 ms; a cost-0 take stores nothing');
    await store.rate.take('c', 10, 5, 1_100);
    assert.deepEqual(rateRows().map((r) => r.key), ['c'], 'a write sweeps buckets that are full again');
    await store.greylist.seen('g1', 1_000, 50);
    const greyKeys = () => (db.prepare('SELECT key FROM greylist ORDER BY key').all() as { key: string }[]).map((r) => r.key);
    for (let i = 1; i < SWEEP_EVERY_WRITES - 1; i++) await store.greylist.seen(`h${i}`, 2_000, 50);
    assert.ok(greyKeys().includes('g1'), 'no sweep before a chunk of writes is due');
    await store.greylist.seen('last', 2_000, 50);
    assert.ok(!greyKeys().includes('g1'), 'the SWEEP_EVERY_WRITES-th seen() sweeps expired rows');
    db.close();
    await store.close();
  });
});
