// Redis counters (one hash), history (one capped list) and rate buckets (one expiring hash per key).

import type { CounterStore, HistoryEntry, HistoryStore, RateDecision, RateStore } from '../interfaces.ts';
import { assertRate } from '../rules.ts';
import type { RedisClient } from './client.ts';
import type { RedisKeys } from './keys.ts';
import type { Scripts } from './lua.ts';
import { execTx } from './tx.ts';

export class RedisCounters implements CounterStore {
  readonly #client: RedisClient;
  readonly #key: string;
  constructor(client: RedisClient, keys: RedisKeys) {
    this.#client = client;
    this.#key = keys.counters;
  }
  async add(deltas: Record<string, number>): Promise<void> {
    const entries = Object.entries(deltas);
    if (entries.length === 0) return;
    const m = this.#client.multi();
    for (const [name, d] of entries) m.hincrbyfloat(this.#key, name, d);
    await execTx(m);
  }
  async getAll(): Promise<Record<string, number>> {
    const raw = await this.#client.hgetall(this.#key);
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]));
  }
  async reset(): Promise<void> {
    await this.#client.del(this.#key);
  }
}

export class RedisHistory implements HistoryStore {
  readonly #client: RedisClient;
  readonly #key: string;
  readonly #size: number;
  constructor(client: RedisClient, keys: RedisKeys, size: number) {
    this.#client = client;
    this.#key = keys.history;
    this.#size = size;
  }
  async push(entry: HistoryEntry): Promise<void> {
    return this.pushMany([entry]);
  }
  async pushMany(entries: readonly HistoryEntry[]): Promise<void> {
    if (entries.length === 0) return;
    // LPUSH of several values puts the last one at the head: newest first, as one push at a time would.
    const rows = entries.slice(-this.#size).map((e) => JSON.stringify(e));
    await execTx(this.#client.multi().lpush(this.#key, ...rows).ltrim(this.#key, 0, this.#size - 1));
  }
  async recent(limit: number, offset = 0): Promise<HistoryEntry[]> {
    if (limit <= 0) return [];
    const start = Math.max(0, offset);
    const rows = await this.#client.lrange(this.#key, start, start + limit - 1);
    return rows.map((r) => JSON.parse(r) as HistoryEntry);
  }
  async count(): Promise<number> {
    return this.#client.llen(this.#key);
  }
  async clear(): Promise<void> {
    await this.#client.del(this.#key);
  }
}

export class RedisRate implements RateStore {
  readonly #keys: RedisKeys;
  readonly #scripts: Scripts;
  constructor(keys: RedisKeys, scripts: Scripts) {
    this.#keys = keys;
    this.#scripts = scripts;
  }
  async take(key: string, ratePerSec: number, burst: number, now: number, cost = 1): Promise<RateDecision> {
    assertRate(ratePerSec, burst, cost);
    const [allowed, remaining, retry] = (await this.#scripts.rateTake(this.#keys.rate(key), ratePerSec, burst, now, cost)) as number[];
    return { allowed: allowed === 1, remaining, retryAfterMs: retry === -1 ? Number.POSITIVE_INFINITY : retry };
  }
}
