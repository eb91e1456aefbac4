// SQLite SeriesStore: one row per (resolution, bucket, name); an add upserts three rows per name and deletes rows past retention.

import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { SeriesBucket, SeriesResolution, SeriesStore } from '../series-interfaces.ts';
import { bucketStart, retentionFloor, SERIES_RESOLUTIONS, SERIES_STEP_S, seriesDeltas } from '../series-rules.ts';
import { immediate } from './database.ts';

export class SqliteSeries implements SeriesStore {
  readonly #db: DatabaseSync;
  readonly #q: Record<'add' | 'trim' | 'range', StatementSync>;

  constructor(db: DatabaseSync) {
    this.#db = db;
    // `res` is the bucket width in seconds, so the primary key orders rows by resolution, then time.
    this.#q = {
      add: db.prepare('INSERT INTO series (res, t, name, value) VALUES (?, ?, ?, ?) ON CONFLICT (res, t, name) DO UPDATE SET value = value + excluded.value'),
      trim: db.prepare('DELETE FROM series WHERE res = ? AND t < ?'),
      range: db.prepare('SELECT t, name, value FROM series WHERE res = ? AND t >= ? AND t < ? ORDER BY t'),
    };
  }

  async add(counts: Record<string, number>, now: number): Promise<void> {
    const deltas = seriesDeltas(counts);
    if (deltas.length === 0) return;
    immediate(this.#db, () => {
      for (const res of SERIES_RESOLUTIONS) {
        const step = SERIES_STEP_S[res];
        const t = bucketStart(res, now);
        for (const [name, d] of deltas) this.#q.add.run(step, t, name, d);
        this.#q.trim.run(step, retentionFloor(res, now));
      }
    });
  }

  async range(resolution: SeriesResolution, fromSec: number, toSec: number): Promise<SeriesBucket[]> {
    const rows = this.#q.range.all(SERIES_STEP_S[resolution], fromSec, toSec) as { t: number; name: string; value: number }[];
    const out: SeriesBucket[] = [];
    for (const r of rows) {
      const last = out.at(-1);
      if (last && last.t === r.t) last.counts[r.name] = r.value;
      else out.push({ t: r.t, counts: { [r.name]: r.value } });
    }
    return out;
  }
}
