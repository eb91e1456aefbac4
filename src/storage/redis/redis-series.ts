// Redis SeriesStore: one hash per bucket (name → count) plus a sorted-set index of bucket starts per resolution; every key shares one hash tag (Cluster slot).

import type { SeriesBucket, SeriesResolution, SeriesStore } from '../series-interfaces.ts';
import { bucketStart, retentionFloor, SERIES_RESOLUTIONS, SERIES_RETENTION_S, SERIES_STEP_S, seriesDeltas } from '../series-rules.ts';
import type { RedisClient } from './client.ts';
import type { RedisKeys } from './keys.ts';
import { execTx } from './tx.ts';

export class RedisSeries implements SeriesStore {
  readonly #client: RedisClient;
  readonly #base: string;

  constructor(client: RedisClient, keys: RedisKeys) {
    this.#client = client;
    this.#base = `${keys.prefix}{series}`;
  }

  #key(resolution: SeriesResolution, t: number): string {
    return `${this.#base}:${SERIES_STEP_S[resolution]}:${t}`;
  }

  #index(resolution: SeriesResolution): string {
    return `${this.#base}:${SERIES_STEP_S[resolution]}:index`;
  }

  async add(counts: Record<string, number>, now: number): Promise<void> {
    const deltas = seriesDeltas(counts);
    if (deltas.length === 0) return;
    const m = this.#client.multi();
    const nowSec = Math.floor(now / 1000);
    for (const res of SERIES_RESOLUTIONS) {
      const t = bucketStart(res, now);
      const key = this.#key(res, t);
      for (const [name, d] of deltas) m.hincrbyfloat(key, name, d);
      // The TTL is a backstop for a store nobody writes to any more; trimming below keeps the bound exactly.
      m.expire(key, Math.max(1, t + SERIES_STEP_S[res] + SERIES_RETENTION_S[res] - nowSec));
      m.zadd(this.#index(res), t, String(t));
      m.expire(this.#index(res), SERIES_RETENTION_S[res] + SERIES_STEP_S[res]);
    }
    await execTx(m);
    await this.#trim(now);
  }

  /** Drops buckets past retention: a second round trip only in the minute a bucket falls out. */
  async #trim(now: number): Promise<void> {
    const old = await Promise.all(
      SERIES_RESOLUTIONS.map(async (res) => ({ res, starts: await this.#client.zrangebyscore(this.#index(res), '-inf', `(${retentionFloor(res, now)}`) })),
    );
    if (old.every((o) => o.starts.length === 0)) return;
    const m = this.#client.multi();
    for (const { res, starts } of old) {
      if (starts.length === 0) continue;
      m.del(...starts.map((t) => this.#key(res, Number(t))));
      m.zrem(this.#index(res), ...starts);
    }
    await execTx(m);
  }

  async range(resolution: SeriesResolution, fromSec: number, toSec: number): Promise<SeriesBucket[]> {
    if (!(toSec > fromSec)) return [];
    const starts = (await this.#client.zrangebyscore(this.#index(resolution), fromSec, `(${toSec}`)).map(Number);
    if (starts.length === 0) return [];
    const p = this.#client.pipeline();
    for (const t of starts) p.hgetall(this.#key(resolution, t));
    const replies = (await p.exec()) ?? [];
    const out: SeriesBucket[] = [];
    replies.forEach(([err, raw], i) => {
      if (err) throw err;
      const entries = Object.entries(raw as Record<string, string>);
      if (entries.length > 0) out.push({ t: starts[i], counts: Object.fromEntries(entries.map(([k, v]) => [k, Number(v)])) });
    });
    return out;
  }
}
