// SQLite GreylistStore and whitelist: one row per key, expiry by an indexed expires_at column.

import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type {
  GreylistEntry,
  GreylistSeen,
  GreylistStore,
  ListRequest,
  Page,
  WhitelistEntry,
  WhitelistStore,
} from '../interfaces.ts';
import { assertTime, pageOf, SWEEP_BATCH } from '../rules.ts';
import { immediate } from './database.ts';

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
    const r = this.#q.live.get(key, now) as { key: string; expires_at: number; reason: string } | undefined;
    return r && { key: r.key, expiresAt: r.expires_at, reason: r.reason };
  }
  async list(req: ListRequest = {}): Promise<Page<WhitelistEntry>> {
    return listPage(this.#db, this.#q, req, (r: { key: string; expires_at: number; reason: string }) => ({
      key: r.key,
      expiresAt: r.expires_at,
      reason: r.reason,
    }));
  }
  async expire(now: number): Promise<number> {
    return Number(this.#q.expireAll.run(now).changes);
  }
}

export class SqliteGreylist implements GreylistStore {
  readonly #db: DatabaseSync;
  readonly #q: ReturnType<typeof expiringTable> & { put: StatementSync };
  readonly whitelist: WhitelistStore;

  constructor(db: DatabaseSync) {
    this.#db = db;
    const cols = 'key, first_seen, last_seen, pass_count, expires_at';
    this.#q = {
      ...expiringTable(db, 'greylist', cols),
      put: db.prepare(`INSERT OR REPLACE INTO greylist (${cols}) VALUES (?, ?, ?, ?, ?)`),
    };
    this.whitelist = new SqliteWhitelist(db);
  }

  async seen(key: string, now: number, ttlMs: number, minDelayMs = 0): Promise<GreylistSeen> {
    assertTime('now', now);
    assertTime('ttlMs', ttlMs);
    return immediate(this.#db, () => {
      this.#q.sweep.run(now);
      const prev = this.#q.live.get(key, now) as GreyRow | undefined;
      const entry: GreylistEntry = prev
        ? {
            key,
            firstSeen: prev.first_seen,
            lastSeen: now,
            passCount: prev.pass_count + (now - prev.first_seen >= minDelayMs ? 1 : 0),
            expiresAt: now + ttlMs,
          }
        : { key, firstSeen: now, lastSeen: now, passCount: 0, expiresAt: now + ttlMs };
      this.#q.put.run(key, entry.firstSeen, entry.lastSeen, entry.passCount, entry.expiresAt);
      return { ...entry, created: !prev };
    });
  }

  async get(key: string, now: number): Promise<GreylistEntry | undefined> {
    const r = this.#q.live.get(key, now) as GreyRow | undefined;
    return r && toEntry(r);
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
