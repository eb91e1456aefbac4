// The SQLite backend: one file (WAL) shared safely by every worker process on the host.

import { statSync } from 'node:fs';
import type { Store, StoreLimits } from '../store.ts';
import { guardErrors } from '../guard.ts';
import { mapSqliteError, openDatabase } from './database.ts';
import { SCHEMA_VERSION } from './migrations.ts';
import { SqliteCounters } from './sqlite-counters.ts';
import { SqliteFuzzy } from './sqlite-fuzzy.ts';
import { SqliteGreylist } from './sqlite-greylist.ts';
import { SqliteHistory } from './sqlite-history.ts';
import { SqliteRate } from './sqlite-rate.ts';
import { SqliteSeries } from './sqlite-series.ts';
import { SqliteSpamd } from './sqlite-spamd.ts';
import { SqliteTokenStore } from './sqlite-tokens.ts';
import { SqliteWeightStore } from './sqlite-weights.ts';

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function human(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function openSqliteStore(path: string, limits: StoreLimits): Store {
  const db = openDatabase(path);
  const versionRow = db.prepare('SELECT sqlite_version() AS v').get() as { v: string };
  const store: Store = {
    counters: new SqliteCounters(db),
    history: new SqliteHistory(db, limits.historySize),
    tokens: new SqliteTokenStore(db, limits.maxTokens),
    weights: new SqliteWeightStore(db, limits.maxWeightBuckets),
    greylist: new SqliteGreylist(db),
    rate: new SqliteRate(db),
    fuzzy: new SqliteFuzzy(db),
    series: new SqliteSeries(db),
    spamd: new SqliteSpamd(db),
    async health() {
      db.prepare('SELECT 1').get();
      const size = sizeOf(path);
      const wal = sizeOf(`${path}-wal`);
      return {
        ok: true,
        backend: 'sqlite',
        detail: `sqlite ${versionRow.v} at ${path} (${human(size)}, wal ${human(wal)}), schema v${SCHEMA_VERSION}`,
      };
    },
    async close() {
      if (db.isOpen) db.close();
    },
  };
  return guardErrors(store, mapSqliteError);
}
