// SQLite FuzzyStore: one row per hash with an indexed expires_at.

import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { FuzzyAdd, FuzzyEntry, FuzzyStore } from '../interfaces.ts';
import { assertTime, SWEEP_BATCH } from '../rules.ts';
import { immediate, snapshot } from './database.ts';

interface FuzzyRow {
  hash: string;
  flag: number;
  weight: number;
  count: number;
  last_seen: number;
  expires_at: number;
}

export class SqliteFuzzy implements FuzzyStore {
  readonly #db: DatabaseSync;
  readonly #q: Record<'live' | 'put' | 'del' | 'sweep' | 'expire' | 'count', StatementSync>;

  constructor(db: DatabaseSync) {
    this.#db = db;
    const cols = 'hash, flag, weight, count, last_seen, expires_at';
    this.#q = {
      live: db.prepare(`SELECT ${cols} FROM fuzzy WHERE hash = ? AND expires_at > ?`),
      put: db.prepare(`INSERT OR REPLACE INTO fuzzy (${cols}) VALUES (?, ?, ?, ?, ?, ?)`),
      del: db.prepare('DELETE FROM fuzzy WHERE hash = ?'),
      sweep: db.prepare(`DELETE FROM fuzzy WHERE hash IN (SELECT hash FROM fuzzy WHERE expires_at <= ? LIMIT ${SWEEP_BATCH})`),
      expire: db.prepare('DELETE FROM fuzzy WHERE expires_at <= ?'),
      count: db.prepare('SELECT count(*) AS n FROM fuzzy'),
    };
  }

  async add(items: FuzzyAdd[], now: number, ttlMs: number): Promise<void> {
    assertTime('now', now);
    assertTime('ttlMs', ttlMs);
    immediate(this.#db, () => {
      this.#q.sweep.run(now);
      for (const it of items) {
        const prev = this.#q.live.get(it.hash, now) as FuzzyRow | undefined;
        const same = prev !== undefined && prev.flag === it.flag;
        this.#q.put.run(
          it.hash,
          it.flag,
          same ? prev.weight + it.weight : it.weight,
          same ? prev.count + 1 : 1,
          now,
          now + ttlMs,
        );
      }
    });
  }

  async get(hashes: string[], now: number): Promise<(FuzzyEntry | undefined)[]> {
    return snapshot(this.#db, () =>
      hashes.map((h) => {
        const r = this.#q.live.get(h, now) as FuzzyRow | undefined;
        return r && { hash: r.hash, flag: r.flag, weight: r.weight, count: r.count, lastSeen: r.last_seen, expiresAt: r.expires_at };
      }),
    );
  }

  async delete(hashes: string[]): Promise<number> {
    return immediate(this.#db, () => hashes.reduce((n, h) => n + Number(this.#q.del.run(h).changes), 0));
  }

  async count(): Promise<number> {
    return (this.#q.count.get() as { n: number }).n;
  }

  async expire(now: number): Promise<number> {
    return Number(this.#q.expire.run(now).changes);
  }
}
