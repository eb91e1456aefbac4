// Tests of the SQLite greylist's amortised expiry: without an expiry index, writes sweep the table round in key order.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { SWEEP_BATCH, SWEEP_EVERY_WRITES } from '../rules.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { Store } from '../store.ts';

/** Keys one sweep looks at. */
const SWEEP_CHUNK_KEYS = SWEEP_BATCH * SWEEP_EVERY_WRITES;
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

test('every SWEEP_EVERY_WRITES-th write sweeps SWEEP_BATCH keys for each write; one round deletes every expired row and keeps live ones', async () => {
  const expired = SWEEP_CHUNK_KEYS * 2 + 3;
  const live = SWEEP_CHUNK_KEYS;
  const writesPerChunk = SWEEP_EVERY_WRITES;
  await withRows(expired, live, async (store, count) => {
    // Keys sort keep-… < new-… < old-…: the first chunk is the live rows, later ones reach the expired.
    for (let i = 0; i < writesPerChunk * 2 - 1; i++) await store.greylist.seen(`new-${String(i).padStart(4, '0')}`, T0, TTL_MS);
    assert.equal(count('old-'), expired, 'the first chunk held live rows only; the second is not owed yet');
    await store.greylist.seen('new-x', T0, TTL_MS);
    assert.ok(count('old-') < expired, 'the write that completes the second chunk sweeps it');
    const round = Math.ceil((expired + live + writesPerChunk * 3) / SWEEP_BATCH) + writesPerChunk;
    for (let i = 0; i < round; i++) await store.greylist.seen(`new-y${String(i).padStart(4, '0')}`, T0, TTL_MS);
    assert.equal(count('old-'), 0, 'every expired row is gone after one round');
    assert.equal(count('keep-'), live, 'live rows stay');
  });
});

test('the writes of one transaction count one by one: the one that completes a chunk sweeps it', async () => {
  const expired = SWEEP_CHUNK_KEYS * 3;
  const writesPerChunk = SWEEP_EVERY_WRITES;
  await withRows(expired, 0, async (store, count) => {
    // One turn: one group-commit transaction of a chunk's writes but one; nothing is swept yet.
    await Promise.all(Array.from({ length: writesPerChunk - 1 }, (_, i) => store.greylist.seen(`a-${i}`, T0, TTL_MS)));
    assert.equal(count('old-'), expired);
    // The next write completes the chunk: SWEEP_CHUNK_KEYS keys from the start (a-… rows are live, old-… expired).
    await store.greylist.seen('b-0', T0, TTL_MS);
    assert.equal(count('old-'), expired - (SWEEP_CHUNK_KEYS - (writesPerChunk - 1)), 'the a-… rows took the first keys of the chunk');
  });
});
