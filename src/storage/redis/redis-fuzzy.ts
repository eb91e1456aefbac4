// Redis FuzzyStore on ExpiringHash; add() is one Lua script (sweep + upserts).

import type { FuzzyAdd, FuzzyEntry, FuzzyStore } from '../interfaces.ts';
import { assertTime, SWEEP_BATCH } from '../rules.ts';
import type { RedisClient } from './client.ts';
import type { RedisKeys } from './keys.ts';
import type { Scripts } from './lua.ts';
import { ExpiringHash } from './redis-expiring.ts';

/** Packed as "flag weight count lastSeen expiresAt". */
function parseFuzzy(hash: string, raw: string): FuzzyEntry {
  const [flag, weight, count, lastSeen, expiresAt] = raw.split(' ').map(Number);
  return { hash, flag, weight, count, lastSeen, expiresAt };
}

export class RedisFuzzy implements FuzzyStore {
  readonly #h: ExpiringHash;
  readonly #scripts: Scripts;

  constructor(client: RedisClient, keys: RedisKeys, scripts: Scripts) {
    this.#h = new ExpiringHash(client, keys.expiring('fuzzy'), scripts, false);
    this.#scripts = scripts;
  }

  async add(items: FuzzyAdd[], now: number, ttlMs: number): Promise<void> {
    assertTime('now', now);
    assertTime('ttlMs', ttlMs);
    if (items.length === 0) return;
    const k = this.#h.keys;
    await this.#scripts.fuzzyAdd(k.entries, k.expiry, now, ttlMs, SWEEP_BATCH, ...items.flatMap((i) => [i.hash, i.flag, i.weight]));
  }

  async get(hashes: string[], now: number): Promise<(FuzzyEntry | undefined)[]> {
    const raws = await this.#h.getRaw(hashes);
    return raws.map((raw, i) => {
      const e = raw === null ? undefined : parseFuzzy(hashes[i], raw);
      return e && e.expiresAt > now ? e : undefined;
    });
  }

  async delete(hashes: string[]): Promise<number> {
    return this.#h.delete([...new Set(hashes)]);
  }

  async count(): Promise<number> {
    return this.#h.count();
  }

  async expire(now: number): Promise<number> {
    return this.#h.expire(now);
  }
}
