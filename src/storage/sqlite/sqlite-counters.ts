// SQLite CounterStore: one row per counter name, all deltas of one add in one transaction.

import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { CounterStore } from '../interfaces.ts';
import { immediate } from './database.ts';

export class SqliteCounters implements CounterStore {
  readonly #db: DatabaseSync;
  readonly #add: StatementSync;
  readonly #all: StatementSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#add = db.prepare(
      'INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value',
    );
    this.#all = db.prepare('SELECT name, value FROM counters ORDER BY name');
  }

  async add(deltas: Record<string, number>): Promise<void> {
    immediate(this.#db, () => {
      for (const [name, d] of Object.entries(deltas)) this.#add.run(name, d);
    });
  }

  async getAll(): Promise<Record<string, number>> {
    const rows = this.#all.all() as { name: string; value: number }[];
    return Object.fromEntries(rows.map((r) => [r.name, r.value]));
  }

  async reset(): Promise<void> {
    this.#db.exec('DELETE FROM counters');
  }
}
