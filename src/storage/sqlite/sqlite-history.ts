// SQLite HistoryStore: rows keyed by a rising id; each push (or batch of pushes) trims everything older than the newest historySize.

import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { HistoryEntry, HistoryStore } from '../interfaces.ts';
import { immediate } from './database.ts';

export class SqliteHistory implements HistoryStore {
  readonly #db: DatabaseSync;
  readonly #size: number;
  readonly #q: Record<'insert' | 'trim' | 'recent' | 'count', StatementSync>;

  constructor(db: DatabaseSync, size: number) {
    this.#db = db;
    this.#size = size;
    this.#q = {
      insert: db.prepare('INSERT INTO history (entry) VALUES (?)'),
      trim: db.prepare('DELETE FROM history WHERE id <= ?'),
      recent: db.prepare('SELECT entry FROM history ORDER BY id DESC LIMIT ? OFFSET ?'),
      count: db.prepare('SELECT count(*) AS n FROM history'),
    };
  }

  async push(entry: HistoryEntry): Promise<void> {
    return this.pushMany([entry]);
  }

  async pushMany(entries: readonly HistoryEntry[]): Promise<void> {
    if (entries.length === 0) return;
    // Rows older than the newest historySize would be trimmed at once: they are never written.
    const rows = entries.slice(-this.#size).map((e) => JSON.stringify(e));
    immediate(this.#db, () => {
      let id = 0;
      for (const json of rows) id = Number(this.#q.insert.run(json).lastInsertRowid);
      this.#q.trim.run(id - this.#size);
    });
  }

  async recent(limit: number, offset = 0): Promise<HistoryEntry[]> {
    const rows = this.#q.recent.all(Math.max(0, limit), Math.max(0, offset)) as { entry: string }[];
    return rows.map((r) => JSON.parse(r.entry) as HistoryEntry);
  }

  async count(): Promise<number> {
    return (this.#q.count.get() as { n: number }).n;
  }

  async clear(): Promise<void> {
    this.#db.exec('DELETE FROM history');
  }
}
