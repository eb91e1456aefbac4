// In-memory SeriesStore (tests only): one map of buckets per resolution, trimmed to retention on every add.

import type { SeriesBucket, SeriesResolution, SeriesStore } from '../series-interfaces.ts';
import { bucketStart, retentionFloor, SERIES_RESOLUTIONS, seriesDeltas } from '../series-rules.ts';

export class MemorySeries implements SeriesStore {
  readonly #buckets = new Map<SeriesResolution, Map<number, Record<string, number>>>(SERIES_RESOLUTIONS.map((r) => [r, new Map()]));

  async add(counts: Record<string, number>, now: number): Promise<void> {
    const deltas = seriesDeltas(counts);
    if (deltas.length === 0) return;
    for (const res of SERIES_RESOLUTIONS) {
      const buckets = this.#buckets.get(res)!;
      const t = bucketStart(res, now);
      const b = buckets.get(t) ?? {};
      for (const [name, d] of deltas) b[name] = (b[name] ?? 0) + d;
      buckets.set(t, b);
      const floor = retentionFloor(res, now);
      for (const start of buckets.keys()) if (start < floor) buckets.delete(start);
    }
  }

  async range(resolution: SeriesResolution, fromSec: number, toSec: number): Promise<SeriesBucket[]> {
    const out: SeriesBucket[] = [];
    for (const [t, counts] of this.#buckets.get(resolution)!) if (t >= fromSec && t < toSec) out.push({ t, counts: { ...counts } });
    return out.sort((a, b) => a.t - b.t);
  }
}
