// Tests of SQLite group commit: one transaction per turn, atomic writes in order, a failing write rejected alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase } from './database.ts';
import { GroupCommit } from './group-commit.ts';

async function withDb(fn: (db: DatabaseSync, path: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'winnow-group-commit-'));
  const path = join(dir, 'store.sqlite');
  const db = openDatabase(path);
  try {
    db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID');
    await fn(db, path);
  } finally {
    if (db.isOpen) db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Frames in the WAL since it was last reset: one per page per commit. */
function walFrames(db: DatabaseSync): number {
  return (db.prepare('PRAGMA wal_checkpoint(PASSIVE)').get() as { log: number }).log;
}

function increment(db: DatabaseSync, k: string): number {
  db.prepare('INSERT INTO t (k, v) VALUES (?, 1) ON CONFLICT (k) DO UPDATE SET v = v + 1').run(k);
  return (db.prepare('SELECT v FROM t WHERE k = ?').get(k) as { v: number }).v;
}

test('group commit: writes of one turn share one commit, run in order, each seeing the ones before', () =>
  withDb(async (db) => {
    const g = new GroupCommit(db);
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    const grouped = await Promise.all(Array.from({ length: 20 }, () => g.run(() => increment(db, 'a'))));
    assert.deepEqual(grouped, Array.from({ length: 20 }, (_, i) => i + 1));
    const framesGrouped = walFrames(db);
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    for (let i = 0; i < 20; i++) await g.run(() => increment(db, 'b'));
    const framesApart = walFrames(db);
    assert.ok(framesGrouped * 5 <= framesApart, `one commit (${framesGrouped} WAL frames) instead of 20 (${framesApart})`);
  }));

test('group commit: the promise settles after the commit, visible to another connection', () =>
  withDb(async (db, path) => {
    const g = new GroupCommit(db);
    const other = new DatabaseSync(path);
    try {
      const p = g.run(() => increment(db, 'x'));
      assert.equal(other.prepare('SELECT count(*) AS n FROM t').get()?.n, 0, 'nothing written before the turn ends');
      assert.equal(await p, 1);
      assert.equal(other.prepare('SELECT v FROM t WHERE k = ?').get('x')?.v, 1);
    } finally {
      other.close();
    }
  }));

test('group commit: a write that throws is rolled back and rejected alone', () =>
  withDb(async (db) => {
    const g = new GroupCommit(db);
    const results = await Promise.allSettled([
      g.run(() => increment(db, 'ok1')),
      g.run(() => {
        increment(db, 'half');
        throw new Error('boom');
      }),
      g.run(() => increment(db, 'ok2')),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.equal((results[1] as PromiseRejectedResult).reason.message, 'boom');
    assert.deepEqual(db.prepare('SELECT k FROM t ORDER BY k').all().map((r) => r.k), ['ok1', 'ok2']);
    await assert.rejects(g.run(() => increment(db, 'bad').toFixed(-1)), RangeError);
    assert.equal(db.prepare('SELECT count(*) AS n FROM t WHERE k = ?').get('bad')?.n, 0, 'alone in its transaction, rolled back too');
    assert.equal(db.isTransaction, false);
  }));

test('group commit: while another connection holds the write lock this event loop keeps running; the write goes in once it is free', () =>
  withDb(async (db, path) => {
    const g = new GroupCommit(db);
    const other = new DatabaseSync(path);
    try {
      other.exec('BEGIN IMMEDIATE');
      let settled = false;
      const p = g.run(() => increment(db, 'w')).finally(() => (settled = true));
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      await sleep(50);
      clearInterval(timer);
      assert.equal(settled, false, 'waiting for the lock');
      assert.ok(ticks >= 5, `timers ran meanwhile (${ticks} ticks): SQLite's busy handler did not block the loop`);
      other.exec('COMMIT');
      assert.equal(await p, 1);
    } finally {
      other.close();
    }
  }));

test('group commit: writes pending when the database closes are rejected with ERR_STORE_UNAVAILABLE', () =>
  withDb(async (db) => {
    const g = new GroupCommit(db);
    const p = g.run(() => increment(db, 'late'));
    db.close();
    await assert.rejects(p, { code: 'ERR_STORE_UNAVAILABLE' });
  }));
