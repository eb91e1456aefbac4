// Opens the SQLite file for multi-process use (WAL, busy timeout), migrates it, and maps SQLite errors to stable codes.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { WinnowError, type ErrorCode } from '../../errors.ts';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.ts';

/** How long a writer waits for another process's write lock before failing with ERR_STORE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;
/**
 * WAL pages (4 KiB) after which a commit checkpoints them into the database file (SQLite's default is 1000). Each
 * checkpoint copies pages and fsyncs twice with the committing worker's event loop blocked; four times fewer of them
 * (a page rewritten meanwhile is copied once) took a fifth to a third off the CPU of a greylisting scan. The WAL file
 * grows to about 16 MiB and stays that size.
 */
export const WAL_AUTOCHECKPOINT_PAGES = 4000;

// Primary result codes (extended codes carry them in the low byte).
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_CORRUPT = 11;
const SQLITE_CANTOPEN = 14;
const SQLITE_NOTADB = 26;

export function mapSqliteError(err: unknown): unknown {
  if (err instanceof WinnowError) return err;
  const e = err as { code?: string; errcode?: number; message?: string };
  if (e?.code !== 'ERR_SQLITE_ERROR' || typeof e.errcode !== 'number') {
    if (e?.code === 'ERR_INVALID_STATE') return new WinnowError('ERR_STORE_UNAVAILABLE', `sqlite: ${e.message}`, { cause: err });
    return err;
  }
  const primary = e.errcode & 0xff;
  let code: ErrorCode = 'ERR_STORE_FAILED';
  if (primary === SQLITE_BUSY || primary === SQLITE_LOCKED) code = 'ERR_STORE_BUSY';
  else if (primary === SQLITE_CANTOPEN) code = 'ERR_STORE_UNAVAILABLE';
  else if (primary === SQLITE_CORRUPT || primary === SQLITE_NOTADB) code = 'ERR_STORE_CORRUPT';
  return new WinnowError(code, `sqlite: ${e.message}`, { cause: err });
}

/** Transaction statements prepared once per connection: parsing BEGIN/COMMIT on every small write showed in profiles. */
const txStatements = new WeakMap<DatabaseSync, Record<'begin' | 'commit', StatementSync>>();

function txOf(db: DatabaseSync): Record<'begin' | 'commit', StatementSync> {
  let tx = txStatements.get(db);
  if (!tx) {
    tx = { begin: db.prepare('BEGIN IMMEDIATE'), commit: db.prepare('COMMIT') };
    txStatements.set(db, tx);
  }
  return tx;
}

/**
 * Runs `fn` in a write transaction. BEGIN IMMEDIATE takes the write lock up front: a deferred
 * transaction that reads and then writes can fail with SQLITE_BUSY in WAL mode without waiting.
 */
export function immediate<T>(db: DatabaseSync, fn: () => T): T {
  const tx = txOf(db);
  tx.begin.run();
  try {
    const out = fn();
    tx.commit.run();
    return out;
  } catch (err) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw err;
  }
}

/** Runs `fn` in a read transaction so every statement sees one snapshot. */
export function snapshot<T>(db: DatabaseSync, fn: () => T): T {
  db.exec('BEGIN');
  try {
    return fn();
  } finally {
    if (db.isTransaction) db.exec('COMMIT');
  }
}

export function openDatabase(path: string): DatabaseSync {
  let db: DatabaseSync | undefined;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new DatabaseSync(path, { timeout: SQLITE_BUSY_TIMEOUT_MS });
    db.exec(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    // WAL lets readers run beside one writer across processes; NORMAL sync is still crash-consistent
    // in WAL mode (a power cut may lose the last commits, never corrupt the file).
    setWalMode(db);
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec(`PRAGMA wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    migrate(db, path);
    return db;
  } catch (err) {
    db?.close();
    const mapped = mapSqliteError(err);
    if (mapped instanceof WinnowError) throw mapped;
    throw new WinnowError('ERR_STORE_UNAVAILABLE', `cannot open SQLite store at ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** Pause between tries of the switch to WAL when another process holds the fresh file's lock. */
const WAL_RETRY_DELAY_MS = 20;

/**
 * Switching a fresh file to WAL needs an exclusive lock, and SQLite does not run the busy handler for it:
 * two workers opening a new file at once got SQLITE_BUSY here. Retry until the busy timeout is spent.
 */
function setWalMode(db: DatabaseSync): void {
  const deadline = Date.now() + SQLITE_BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      db.exec('PRAGMA journal_mode = WAL');
      return;
    } catch (err) {
      if (!/locked|busy/i.test((err as Error).message) || Date.now() >= deadline) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, WAL_RETRY_DELAY_MS);
    }
  }
}

function userVersion(db: DatabaseSync): number {
  return Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
}

/** Several workers may open a fresh file at once: the version is re-read under the write lock. */
function migrate(db: DatabaseSync, path: string): void {
  if (userVersion(db) === SCHEMA_VERSION) return;
  immediate(db, () => {
    const from = userVersion(db);
    if (from > SCHEMA_VERSION) {
      throw new WinnowError(
        'ERR_STORE_SCHEMA',
        `SQLite store ${path} has schema version ${from}, newer than this winnow (${SCHEMA_VERSION}); upgrade winnow`,
      );
    }
    for (let v = from; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
  });
}
