// The time-series store behind the controller's throughput graph: named counts per minute, hour and day, each resolution kept for a bounded time.

/** Bucket widths: minutes for the last day, hours for the last month, days beyond. */
export type SeriesResolution = 'minute' | 'hour' | 'day';

export interface SeriesBucket {
  /** Start of the bucket, in whole seconds since the epoch (a multiple of the resolution's width, UTC). */
  t: number;
  /** Name (an action, e.g. `add header`) → count added during the bucket; names with nothing added are absent. */
  counts: Record<string, number>;
}

/**
 * Counts over time, rolled up at write time: every `add` lands in its minute, its hour and its day bucket, so a
 * read of any range touches one resolution only. Each resolution keeps a bounded window (series-rules.ts
 * `SERIES_RETENTION_S`); older buckets are dropped by the writes themselves, so the store never grows past
 * a few thousand buckets per name. Adds from several processes sum up.
 */
export interface SeriesStore {
  /** Adds `counts` (finite numbers; zeros are skipped) at `now` (ms since the epoch) to its bucket of every resolution. */
  add(counts: Record<string, number>, now: number): Promise<void>;
  /** Buckets of `resolution` whose start lies in [fromSec, toSec), oldest first; buckets with nothing added are absent. */
  range(resolution: SeriesResolution, fromSec: number, toSec: number): Promise<SeriesBucket[]>;
}
