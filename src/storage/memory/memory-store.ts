// In-memory backend for unit tests only: no persistence, no sharing between processes.

import type {
  CounterStore,
  FuzzyAdd,
  FuzzyEntry,
  FuzzyStore,
  GreylistEntry,
  GreylistSeen,
  GreylistSighting,
  GreylistStore,
  HistoryEntry,
  HistoryStore,
  ListedOrSighted,
  ListRequest,
  Page,
  PassCounter,
  RateDecision,
  RateStore,
  SightTiming,
  WhitelistEntry,
  WhitelistStore,
} from '../interfaces.ts';
import { assertSightTiming, isFirstPass, seenEntry, sightEntry } from '../greylist-rules.ts';
import type { Store, StoreLimits } from '../store.ts';
import { assertRate, assertTime, DEFAULT_HISTORY_SIZE, DEFAULT_MAX_TOKENS, pageOf } from '../rules.ts';
import { takeFromBucket, type BucketState } from '../token-bucket.ts';
import { DEFAULT_MAX_WEIGHT_BUCKETS } from '../weight-rules.ts';
import { MemorySeries } from './memory-series.ts';
import { MemorySpamdStore } from './memory-spamd.ts';
import { MemoryTokenStore } from './memory-tokens.ts';
import { MemoryWeightStore } from './memory-weights.ts';

class MemoryCounters implements CounterStore {
  #values = new Map<string, number>();
  async add(deltas: Record<string, number>): Promise<void> {
    for (const [name, d] of Object.entries(deltas)) this.#values.set(name, (this.#values.get(name) ?? 0) + d);
  }
  async getAll(): Promise<Record<string, number>> {
    return Object.fromEntries(this.#values);
  }
  async reset(): Promise<void> {
    this.#values.clear();
  }
}

class MemoryHistory implements HistoryStore {
  /** Newest last. */
  #ring: string[] = [];
  readonly #size: number;
  constructor(size: number) {
    this.#size = size;
  }
  async push(entry: HistoryEntry): Promise<void> {
    return this.pushMany([entry]);
  }
  async pushMany(entries: readonly HistoryEntry[]): Promise<void> {
    // Stored as JSON so callers cannot mutate what was pushed, as with the real backends.
    for (const e of entries) this.#ring.push(JSON.stringify(e));
    if (this.#ring.length > this.#size) this.#ring.splice(0, this.#ring.length - this.#size);
  }
  async recent(limit: number, offset = 0): Promise<HistoryEntry[]> {
    const newestFirst = [...this.#ring].reverse();
    return newestFirst.slice(offset, offset + limit).map((s) => JSON.parse(s) as HistoryEntry);
  }
  async count(): Promise<number> {
    return this.#ring.length;
  }
  async clear(): Promise<void> {
    this.#ring = [];
  }
}

/** Map with expiresAt per entry, listed in key order. */
class ExpiringMap<T extends { expiresAt: number }> {
  readonly rows = new Map<string, T>();
  live(key: string, now: number): T | undefined {
    const row = this.rows.get(key);
    return row && row.expiresAt > now ? row : undefined;
  }
  expire(now: number): number {
    let n = 0;
    for (const [k, row] of this.rows) {
      if (row.expiresAt <= now) {
        this.rows.delete(k);
        n++;
      }
    }
    return n;
  }
  list(req: ListRequest = {}): Page<T> {
    this.expire(req.now ?? Date.now());
    const { offset, limit } = pageOf(req);
    const keys = [...this.rows.keys()].sort();
    return { items: keys.slice(offset, offset + limit).map((k) => ({ ...this.rows.get(k)! })), total: keys.length };
  }
}

class MemoryWhitelist implements WhitelistStore {
  #map = new ExpiringMap<WhitelistEntry>();
  async add(key: string, expiresAt: number, reason: string): Promise<void> {
    assertTime('expiresAt', expiresAt);
    this.#map.rows.set(key, { key, expiresAt, reason });
  }
  async remove(key: string): Promise<boolean> {
    return this.#map.rows.delete(key);
  }
  async get(key: string, now: number): Promise<WhitelistEntry | undefined> {
    const row = this.#map.live(key, now);
    return row && { ...row };
  }
  async list(req?: ListRequest): Promise<Page<WhitelistEntry>> {
    return this.#map.list(req);
  }
  async expire(now: number): Promise<number> {
    return this.#map.expire(now);
  }
}

class MemoryGreylist implements GreylistStore {
  #map = new ExpiringMap<GreylistEntry>();
  readonly whitelist = new MemoryWhitelist();
  async seen(key: string, now: number, ttlMs: number, minDelayMs = 0): Promise<GreylistSeen> {
    assertTime('now', now);
    assertTime('ttlMs', ttlMs);
    const { created, ...entry } = seenEntry(this.#map.live(key, now), key, now, ttlMs, minDelayMs);
    this.#map.rows.set(key, entry);
    return { ...entry, created };
  }
  async sight(key: string, now: number, timing: SightTiming, counter?: PassCounter): Promise<GreylistSighting> {
    assertSightTiming(now, timing);
    if (counter) assertTime('counter.ttlMs', counter.ttlMs);
    const s: GreylistSighting = sightEntry(this.#map.live(key, now), key, now, timing);
    this.#map.rows.set(key, { ...s.entry });
    if (counter && isFirstPass(s)) s.counted = await this.seen(counter.key, now, counter.ttlMs, 0);
    return s;
  }
  async sightUnlessListed(listKey: string, key: string, now: number, timing: SightTiming, counter?: PassCounter): Promise<ListedOrSighted> {
    assertSightTiming(now, timing);
    const listed = await this.whitelist.get(listKey, now);
    return listed ? { listed } : { sighting: await this.sight(key, now, timing, counter) };
  }
  async get(key: string, now: number): Promise<GreylistEntry | undefined> {
    const row = this.#map.live(key, now);
    return row && { ...row };
  }
  async delete(key: string): Promise<boolean> {
    return this.#map.rows.delete(key);
  }
  async list(req?: ListRequest): Promise<Page<GreylistEntry>> {
    return this.#map.list(req);
  }
  async expire(now: number): Promise<number> {
    return this.#map.expire(now);
  }
}

class MemoryRate implements RateStore {
  #buckets = new Map<string, BucketState & { expiresAt: number }>();
  async take(key: string, ratePerSec: number, burst: number, now: number, cost = 1): Promise<RateDecision> {
    assertRate(ratePerSec, burst, cost);
    const prev = this.#buckets.get(key);
    const step = takeFromBucket(prev && prev.expiresAt > now ? prev : undefined, ratePerSec, burst, now, cost);
    if (step.ttlMs > 0) this.#buckets.set(key, { ...step.state, expiresAt: now + step.ttlMs });
    else this.#buckets.delete(key);
    return step.decision;
  }
}

class MemoryFuzzy implements FuzzyStore {
  #map = new ExpiringMap<FuzzyEntry>();
  async add(items: FuzzyAdd[], now: number, ttlMs: number): Promise<void> {
    assertTime('now', now);
    assertTime('ttlMs', ttlMs);
    for (const it of items) {
      const prev = this.#map.live(it.hash, now);
      const same = prev && prev.flag === it.flag;
      this.#map.rows.set(it.hash, {
        hash: it.hash,
        flag: it.flag,
        weight: same ? prev.weight + it.weight : it.weight,
        count: same ? prev.count + 1 : 1,
        lastSeen: now,
        expiresAt: now + ttlMs,
      });
    }
  }
  async get(hashes: string[], now: number): Promise<(FuzzyEntry | undefined)[]> {
    return hashes.map((h) => {
      const row = this.#map.live(h, now);
      return row && { ...row };
    });
  }
  async delete(hashes: string[]): Promise<number> {
    let n = 0;
    for (const h of new Set(hashes)) if (this.#map.rows.delete(h)) n++;
    return n;
  }
  async count(): Promise<number> {
    return this.#map.rows.size;
  }
  async expire(now: number): Promise<number> {
    return this.#map.expire(now);
  }
}

/** A fresh, empty in-memory store. */
export function createMemoryStore(limits: Partial<StoreLimits> = {}): Store {
  return {
    counters: new MemoryCounters(),
    history: new MemoryHistory(limits.historySize ?? DEFAULT_HISTORY_SIZE),
    tokens: new MemoryTokenStore(limits.maxTokens ?? DEFAULT_MAX_TOKENS),
    weights: new MemoryWeightStore(limits.maxWeightBuckets ?? DEFAULT_MAX_WEIGHT_BUCKETS),
    greylist: new MemoryGreylist(),
    rate: new MemoryRate(),
    fuzzy: new MemoryFuzzy(),
    series: new MemorySeries(),
    spamd: new MemorySpamdStore(),
    health: async () => ({ ok: true, backend: 'memory', detail: 'in-process maps (tests only)' }),
    close: async () => {},
  };
}
