// Tests of the SQLite greylist's amortised expiry: without an expiry index, writes sweep the table round in key order.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { SWEEP_BATCH } from '../rules.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { Store } from '../store.ts';

const LIMITS = { historySize: 10, maxTokens: 10, maxWeightBuckets: 10 };
const T0 = 1_000_000;
const TTL_MS = 1_000_000;

/** A store whose greylist holds `expired` rows (`old-0000`...) that expired at T0 and `live` ones (`keep-...`), written behind its back. */
async function withRows(expired: number, live: number, fn: (store: Store, count: (prefix: string) => number) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'winnow-sqlite-greylist-'));
  const path = join(dir, 'store.sqlite');
  const store = openSqliteStore(path, LIMITS);
  const db = new DatabaseSync(path);
  try {
    const put = db.prepare('INSERT INTO greylist (key, first_seen, last_seen, pass_count, expires_at) VALUES (?, 0, 0, 0, ?)');
    const id = (i: number) => String(i).padStart(4, '0');
    for (let i = 0; i < expired; i++) put.run(`old-${id(i)}`, T0);
    for (let i = 0; i < live; i++) put.run(`keep-${id(i)}`, T0 + TTL_MS);
    const count = (prefix: string) => (db.prepare('SELECT count(*) AS n FROM greylist WHERE key LIKE ?').get(`${prefix}%`) as { n: number }).n;
    await fn(store, count);
  } finally {
    db.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the schema has no expiry index on greylist', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'winnow-sqlite-greylist-'));
  const store = openSqliteStore(join(dir, 's.sqlite'), LIMITS);
  const db = new DatabaseSync(join(dir, 's.sqlite'));
  try {
    const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'greylist'").all();
    assert.deepEqual(indexes, []);
  } finally {
    db.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('each write sweeps the next keys; one round of writes deletes every expired row and keeps live ones', async () => {
  const expired = SWEEP_BATCH * 4 + 3;
  const live = SWEEP_BATCH * 2;
  await withRows(expired, live, async (store, count) => {
    // Keys sort keep-… < new-… < old-…: the first write looks at the live rows, later ones reach the expired.
    const writes = Math.ceil((expired + live) / SWEEP_BATCH) + 1;
    await store.greylist.seen('new-0', T0, TTL_MS);
    assert.equal(count('old-'), expired, 'the first SWEEP_BATCH keys are live');
    for (let i = 1; i < writes; i++) await store.greylist.seen(`new-${i}`, T0, TTL_MS);
    assert.equal(count('old-'), 0, 'every expired row is gone after one round');
    assert.equal(count('keep-'), live, 'live rows stay');
    assert.equal(count('new-'), writes);
  });
});

test('writes of one transaction sweep once, for all of them, in the next transaction', async () => {
  const expired = 200;
  await withRows(expired, 0, async (store, count) => {
    // One turn: one group-commit transaction of 4 writes; its first write sweeps SWEEP_BATCH keys (before any a-… row is in).
    await Promise.all([0, 1, 2, 3].map((i) => store.greylist.seen(`a-${i}`, T0, TTL_MS)));
    assert.equal(count('old-'), expired - SWEEP_BATCH);
    // The next write sweeps for itself and the three writes that did not: 4 × SWEEP_BATCH keys.
    await store.greylist.seen('b-0', T0, TTL_MS);
    assert.equal(count('old-'), expired - 5 * SWEEP_BATCH);
  });
});
