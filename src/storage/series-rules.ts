// Bucket arithmetic and retention shared by every SeriesStore backend, so memory, SQLite and Redis keep the same buckets.

import type { SeriesResolution } from './series-interfaces.ts';

export const SERIES_RESOLUTIONS: readonly SeriesResolution[] = ['minute', 'hour', 'day'];

/** Width of a bucket in seconds. */
export const SERIES_STEP_S: Readonly<Record<SeriesResolution, number>> = { minute: 60, hour: 3_600, day: 86_400 };

/**
 * How long buckets of each resolution are kept, in seconds: a day of minutes (plus an hour so a "last 24 h" view
 * is whole), 35 days of hours (a month view), 400 days of days (a year view). At most 1 500 + 840 + 400 buckets.
 */
export const SERIES_RETENTION_S: Readonly<Record<SeriesResolution, number>> = {
  minute: 25 * 3_600,
  hour: 35 * 86_400,
  day: 400 * 86_400,
};

/** Start (seconds) of the bucket holding `ms`. */
export function bucketStart(resolution: SeriesResolution, ms: number): number {
  const step = SERIES_STEP_S[resolution];
  return Math.floor(ms / 1000 / step) * step;
}

/** Buckets starting before this (seconds) are past retention at `ms`. */
export function retentionFloor(resolution: SeriesResolution, ms: number): number {
  return bucketStart(resolution, ms) - SERIES_RETENTION_S[resolution];
}

/** The non-zero finite counts of an add; anything else would poison a sum in every backend alike. */
export function seriesDeltas(counts: Record<string, number>): [string, number][] {
  const out: [string, number][] = [];
  for (const [name, v] of Object.entries(counts)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`series count for ${JSON.stringify(name)} must be a finite number, got ${v}`);
    if (v !== 0) out.push([name, v]);
  }
  return out;
}

/** Every bucket start of `resolution` in [fromSec, toSec), oldest first; empty when the range is empty. */
export function bucketStarts(resolution: SeriesResolution, fromSec: number, toSec: number): number[] {
  const step = SERIES_STEP_S[resolution];
  const out: number[] = [];
  for (let t = Math.ceil(fromSec / step) * step; t < toSec; t += step) out.push(t);
  return out;
}
