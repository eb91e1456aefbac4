// A size-capped least-recently-used cache whose entries also expire, for DNS answers.

import type { Clock } from '../core/context.ts';

interface Entry<V> {
  value: V;
  /** Clock milliseconds after which the entry is stale. */
  expiresAt: number;
}

export class TtlCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #maxEntries: number;
  readonly #clock: Clock;

  constructor(maxEntries: number, clock: Clock) {
    this.#maxEntries = maxEntries;
    this.#clock = clock;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The live value, refreshed as most recently used; stale entries are dropped on the way. */
  get(key: string): V | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    this.#entries.delete(key);
    if (this.#clock.now() >= e.expiresAt) return undefined;
    // Re-inserting moves the key to the end of the Map's order: the eviction order is Map order.
    this.#entries.set(key, e);
    return e.value;
  }

  /** Stores `value` for `ttlMs`; a TTL of 0 or a zero-sized cache stores nothing. */
  set(key: string, value: V, ttlMs: number): void {
    if (ttlMs <= 0 || this.#maxEntries <= 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt: this.#clock.now() + ttlMs });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  clear(): void {
    this.#entries.clear();
  }
}
