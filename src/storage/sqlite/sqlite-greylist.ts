// SQLite GreylistStore and whitelist: one row per key with its expiry time; sightings are group-committed.

import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type {
  GreylistEntry,
  GreylistSeen,
  GreylistSighting,
  GreylistStore,
  ListedOrSighted,
  ListRequest,
  Page,
  PassCounter,
  SightTiming,
  WhitelistEntry,
  WhitelistStore,
} from '../interfaces.ts';
import { assertSightTiming, isFirstPass, seenEntry, sightEntry } from '../greylist-rules.ts';
import { assertTime, pageOf, SWEEP_BATCH, SweepSchedule } from '../rules.ts';
import { immediate } from './database.ts';
import { GroupCommit } from './group-commit.ts';

interface GreyRow {
  key: string;
  first_seen: number;
  last_seen: number;
  pass_count: number;
  expires_at: number;
}

function toEntry(r: GreyRow): GreylistEntry {
  return { key: r.key, firstSeen: r.first_seen, lastSeen: r.last_seen, passCount: r.pass_count, expiresAt: r.expires_at };
}

/** Statements every expiring keyed table needs. */
function expiringTable(db: DatabaseSync, table: string, columns: string) {
  return {
    live: db.prepare(`SELECT ${columns} FROM ${table} WHERE key = ? AND expires_at > ?`),
    del: db.prepare(`DELETE FROM ${table} WHERE key = ?`),
    expireAll: db.prepare(`DELETE FROM ${table} WHERE expires_at <= ?`),
    sweep: db.prepare(
      `DELETE FROM ${table} WHERE key IN (SELECT key FROM ${table} WHERE expires_at <= ? LIMIT ${SWEEP_BATCH})`,
    ),
    page: db.prepare(`SELECT ${columns} FROM ${table} ORDER BY key LIMIT ? OFFSET ?`),
    count: db.prepare(`SELECT count(*) AS n FROM ${table}`),
  };
}

function listPage<R, T>(db: DatabaseSync, q: ReturnType<typeof expiringTable>, req: ListRequest, map: (r: R) => T): Page<T> {
  const now = req.now ?? Date.now();
  const { offset, limit } = pageOf(req);
  return immediate(db, () => {
    q.expireAll.run(now);
    const items = (q.page.all(limit, offset) as R[]).map(map);
    return { items, total: (q.count.get() as { n: number }).n };
  });
}

interface WhiteRow {
  key: string;
  expires_at: number;
  reason: string;
}

function toWhite(r: WhiteRow): WhitelistEntry {
  return { key: r.key, expiresAt: r.expires_at, reason: r.reason };
}

class SqliteWhitelist implements WhitelistStore {
  readonly #db: DatabaseSync;
  readonly #q: ReturnType<typeof expiringTable> & { put: StatementSync };
  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#q = {
      ...expiringTable(db, 'whitelist', 'key, expires_at, reason'),
      put: db.prepare(`INSERT INTO whitelist (key, expires_at, reason) VALUES (?, ?, ?)
        ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at, reason = excluded.reason`),
    };
  }
  async add(key: string, expiresAt: number, reason: string): Promise<void> {
    assertTime('expiresAt', expiresAt);
    this.#q.put.run(key, expiresAt, reason);
  }
  async remove(key: string): Promise<boolean> {
    return Number(this.#q.del.run(key).changes) > 0;
  }
  async get(key: string, now: number): Promise<WhitelistEntry | undefined> {
    return this.live(key, now);
  }
  /** Synchronous, for use inside the greylist's transactions. */
  live(key: string, now: number): WhitelistEntry | undefined {
    const r = this.#q.live.get(key, now) as WhiteRow | undefined;
    return r && toWhite(r);
  }
  async list(req: ListRequest = {}): Promise<Page<WhitelistEntry>> {
    return listPage(this.#db, this.#q, req, toWhite);
  }
  async expire(now: number): Promise<number> {
    return Number(this.#q.expireAll.run(now).changes);
  }
}

export class SqliteGreylist implements GreylistStore {
  readonly #db: DatabaseSync;
  readonly #q: ReturnType<typeof expiringTable> & Record<'put' | 'sweepEnd' | 'sweepRange' | 'sweepTail', StatementSync>;
  readonly #group: GroupCommit;
  /** Where the amortised sweep goes on from: the last key it looked at ('' = the start of the table). */
  #sweptTo = '';
  readonly #sweeps = new SweepSchedule();
  readonly #whitelist: SqliteWhitelist;
  readonly whitelist: WhitelistStore;

  constructor(db: DatabaseSync) {
    this.#db = db;
    const cols = 'key, first_seen, last_seen, pass_count, expires_at';
    this.#q = {
      ...expiringTable(db, 'greylist', cols),
      put: db.prepare(`INSERT OR REPLACE INTO greylist (${cols}) VALUES (?, ?, ?, ?, ?)`),
      sweepEnd: db.prepare('SELECT key FROM greylist WHERE key > ? ORDER BY key LIMIT 1 OFFSET ?'),
      sweepRange: db.prepare('DELETE FROM greylist WHERE key > ? AND key <= ? AND expires_at <= ?'),
      sweepTail: db.prepare('DELETE FROM greylist WHERE key > ? AND expires_at <= ?'),
    };
    this.#group = new GroupCommit(db);
    this.#whitelist = new SqliteWhitelist(db);
    this.whitelist = this.#whitelist;
  }

  async seen(key: string, now: number, ttlMs: number, minDelayMs = 0): Promise<GreylistSeen> {
    assertTime('now', now);
    assertTime('ttlMs', ttlMs);
    return this.#group.run(() => {
      this.#sweep(now);
      return this.#seenLocked(key, now, ttlMs, minDelayMs);
    });
  }

  /** One write (group-committed with the turn's others): a first pass and its counter are written together or not at all. */
  async sight(key: string, now: number, timing: SightTiming, counter?: PassCounter): Promise<GreylistSighting> {
    assertSightTiming(now, timing);
    if (counter) assertTime('counter.ttlMs', counter.ttlMs);
    return this.#group.run(() => this.#sightLocked(key, now, timing, counter));
  }

  #sightLocked(key: string, now: number, timing: SightTiming, counter: PassCounter | undefined): GreylistSighting {
    this.#sweep(now);
    const s: GreylistSighting = sightEntry(this.#live(key, now), key, now, timing);
    this.#put(s.entry);
    if (counter && isFirstPass(s)) s.counted = this.#seenLocked(counter.key, now, counter.ttlMs, 0);
    return s;
  }

  /** Same transaction for the whitelist lookup: a read outside one costs as much as the write. */
  async sightUnlessListed(listKey: string, key: string, now: number, timing: SightTiming, counter?: PassCounter): Promise<ListedOrSighted> {
    assertSightTiming(now, timing);
    if (counter) assertTime('counter.ttlMs', counter.ttlMs);
    return this.#group.run((): ListedOrSighted => {
      const listed = this.#whitelist.live(listKey, now);
      return listed ? { listed } : { sighting: this.#sightLocked(key, now, timing, counter) };
    });
  }

  /**
   * Amortised expiry: the writes delete the expired rows among the next keys in key order, SWEEP_BATCH keys per
   * write, going round the table. The table has no index on expires_at (migration 5 → 6): keeping one up to date
   * cost each sighting a second page written to the WAL, as its expiry moves on every sighting. A write adds at
   * most two rows and the sweep looks at SWEEP_BATCH more, so it goes round faster than the table grows and an
   * expired row is gone within one round. The range is deleted in SQL (reading the rows into JS to pick the
   * expired ones cost more than the index did), in chunks (SweepSchedule): the two statements cost more than the
   * keys they walk, and run once per transaction they were a twentieth of a policy request. (`expire` and `list`
   * still delete every expired row, by a full scan.)
   */
  #sweep(now: number): void {
    const keys = this.#sweeps.take();
    if (keys === 0) return;
    const end = this.#q.sweepEnd.get(this.#sweptTo, keys - 1) as { key: string } | undefined;
    if (end) this.#q.sweepRange.run(this.#sweptTo, end.key, now);
    else this.#q.sweepTail.run(this.#sweptTo, now);
    this.#sweptTo = end ? end.key : '';
  }

  /** Inside a write transaction. */
  #seenLocked(key: string, now: number, ttlMs: number, minDelayMs: number): GreylistSeen {
    const seen = seenEntry(this.#live(key, now), key, now, ttlMs, minDelayMs);
    this.#put(seen);
    return seen;
  }

  #live(key: string, now: number): GreylistEntry | undefined {
    const r = this.#q.live.get(key, now) as GreyRow | undefined;
    return r && toEntry(r);
  }

  #put(e: GreylistEntry): void {
    this.#q.put.run(e.key, e.firstSeen, e.lastSeen, e.passCount, e.expiresAt);
  }

  async get(key: string, now: number): Promise<GreylistEntry | undefined> {
    return this.#live(key, now);
  }

  async delete(key: string): Promise<boolean> {
    return Number(this.#q.del.run(key).changes) > 0;
  }

  async list(req: ListRequest = {}): Promise<Page<GreylistEntry>> {
    return listPage(this.#db, this.#q, req, toEntry);
  }

  async expire(now: number): Promise<number> {
    return Number(this.#q.expireAll.run(now).changes);
  }
}
