// Group commit: small writes issued in one event-loop turn share one SQLite write transaction, each under its own savepoint.

import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { WinnowError } from '../../errors.ts';
import { SQLITE_BUSY_TIMEOUT_MS } from './database.ts';

/** SQLite's primary result code for "another connection holds the lock". */
const SQLITE_BUSY = 5;
/** Retries on the next turns of the event loop before waiting on timers: the lock holder is usually done by then. */
const BUSY_IMMEDIATE_RETRIES = 8;
/** Longest pause between two tries once they wait on timers. */
const MAX_BUSY_RETRY_DELAY_MS = 20;

interface Pending {
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown };

/**
 * A commit is the expensive part of a small write (WAL frames appended, the write lock taken, now and then a
 * checkpoint with fsync): a greylist sighting per policy request was one commit each. Writes queued here run at
 * the end of the current turn (setImmediate, after the poll phase that read the requests), one after another in
 * one BEGIN IMMEDIATE … COMMIT; each promise settles only after that commit, so nobody sees a write before it is
 * durable. Each write still sees the ones before it, so read-modify-write operations stay atomic. When one throws
 * the transaction is rolled back and the batch runs again with a savepoint per write, so that one is rolled back
 * and rejected alone (writes are functions of the database, so running them again is safe). A failed commit
 * rejects them all.
 *
 * When another worker holds the write lock, SQLite's busy handler would sleep (1 ms, 2 ms, 5 ms…) with this
 * worker's event loop blocked. Here the lock is tried without waiting and, while it is taken, tried again on
 * later turns, the event loop serving requests meanwhile (their writes join the group); after
 * SQLITE_BUSY_TIMEOUT_MS the writes fail with ERR_STORE_BUSY as a blocking write would.
 */
export class GroupCommit {
  readonly #db: DatabaseSync;
  readonly #q: Record<'begin' | 'commit' | 'savepoint' | 'release' | 'rollbackTo', StatementSync>;
  #queue: Pending[] = [];
  #scheduled = false;
  /** The next batch runs with a savepoint per write (a write of the last batch threw). */
  #careful = false;
  /** Failed tries of the write lock for the current queue, and when the first one was made. */
  #busyTries = 0;
  #busySince = 0;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#q = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      savepoint: db.prepare('SAVEPOINT group_write'),
      release: db.prepare('RELEASE group_write'),
      rollbackTo: db.prepare('ROLLBACK TO group_write'),
    };
  }

  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      this.#schedule(0);
    });
  }

  #schedule(delayMs: number): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    const go = () => {
      this.#scheduled = false;
      this.#commit();
    };
    if (delayMs > 0) setTimeout(go, delayMs);
    else setImmediate(go);
  }

  #commit(): void {
    if (this.#queue.length === 0) return;
    if (!this.#db.isOpen) return this.#rejectAll(new WinnowError('ERR_STORE_UNAVAILABLE', 'sqlite: the store was closed before a pending write ran'));
    try {
      this.#begin();
    } catch (err) {
      if (!isBusy(err)) return this.#rejectAll(err);
      if (this.#busyTries === 0) this.#busySince = Date.now();
      this.#busyTries++;
      if (Date.now() - this.#busySince >= SQLITE_BUSY_TIMEOUT_MS) return this.#rejectAll(err);
      const n = this.#busyTries - BUSY_IMMEDIATE_RETRIES;
      return this.#schedule(n <= 0 ? 0 : Math.min(MAX_BUSY_RETRY_DELAY_MS, 2 ** (n - 1)));
    }
    this.#busyTries = 0;
    const batch = this.#queue;
    this.#queue = [];
    const careful = this.#careful;
    this.#careful = false;
    let outcomes: Outcome[] = [];
    let writing = true;
    try {
      // Alone in its transaction a write needs no savepoint (a throw rolls back just it), and a batch first runs
      // without them too: the writes hardly ever throw, and a savepoint pair per write costs a tenth of the commit.
      if (careful && batch.length > 1) outcomes = batch.map((p) => this.#runSaved(p));
      else for (const p of batch) outcomes.push({ ok: true, value: p.fn() });
      writing = false;
      this.#q.commit.run();
    } catch (err) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      if (writing && batch.length > 1 && !careful) {
        // Nothing was settled yet: run the batch again, a savepoint each, so only the write that throws fails.
        this.#queue = [...batch, ...this.#queue];
        this.#careful = true;
        return this.#schedule(0);
      }
      for (const p of batch) p.reject(err);
      return;
    }
    outcomes.forEach((o, i) => (o.ok ? batch[i].resolve(o.value) : batch[i].reject(o.err)));
  }

  /**
   * BEGIN IMMEDIATE without SQLite's sleeping busy handler: throws SQLITE_BUSY at once when the lock is taken. The
   * pragmas go through exec: an assigning PRAGMA takes effect when it is compiled, so a prepared one run again does not.
   */
  #begin(): void {
    this.#db.exec('PRAGMA busy_timeout = 0');
    try {
      this.#q.begin.run();
    } finally {
      this.#db.exec(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    }
  }

  #runSaved(p: Pending): Outcome {
    this.#q.savepoint.run();
    try {
      const value = p.fn();
      this.#q.release.run();
      return { ok: true, value };
    } catch (err) {
      this.#q.rollbackTo.run();
      this.#q.release.run();
      return { ok: false, err };
    }
  }

  #rejectAll(err: unknown): void {
    this.#busyTries = 0;
    for (const p of this.#queue.splice(0)) p.reject(err);
  }
}

function isBusy(err: unknown): boolean {
  const e = err as { code?: string; errcode?: number };
  return e?.code === 'ERR_SQLITE_ERROR' && typeof e.errcode === 'number' && (e.errcode & 0xff) === SQLITE_BUSY;
}
