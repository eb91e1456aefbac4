// SQLite RateStore: token buckets updated in one IMMEDIATE transaction; full buckets are deleted.

import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { RateDecision, RateStore } from '../interfaces.ts';
import { assertRate, SWEEP_BATCH } from '../rules.ts';
import { takeFromBucket } from '../token-bucket.ts';
import { immediate } from './database.ts';

export class SqliteRate implements RateStore {
  readonly #db: DatabaseSync;
  readonly #q: Record<'get' | 'put' | 'del' | 'sweep', StatementSync>;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#q = {
      get: db.prepare('SELECT tokens, updated_at FROM rate WHERE key = ? AND expires_at > ?'),
      put: db.prepare('INSERT OR REPLACE INTO rate (key, tokens, updated_at, expires_at) VALUES (?, ?, ?, ?)'),
      del: db.prepare('DELETE FROM rate WHERE key = ?'),
      sweep: db.prepare(`DELETE FROM rate WHERE key IN (SELECT key FROM rate WHERE expires_at <= ? LIMIT ${SWEEP_BATCH})`),
    };
  }

  async take(key: string, ratePerSec: number, burst: number, now: number, cost = 1): Promise<RateDecision> {
    assertRate(ratePerSec, burst, cost);
    return immediate(this.#db, () => {
      this.#q.sweep.run(now);
      const row = this.#q.get.get(key, now) as { tokens: number; updated_at: number } | undefined;
      const step = takeFromBucket(row && { tokens: row.tokens, updatedAt: row.updated_at }, ratePerSec, burst, now, cost);
      if (step.ttlMs > 0) this.#q.put.run(key, step.state.tokens, now, now + step.ttlMs);
      else this.#q.del.run(key);
      return step.decision;
    });
  }
}
