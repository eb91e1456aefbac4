// A hash of packed entries plus an expiry zset and a key-order zset under one hash tag: the shape behind greylist, whitelist and fuzzy.

import type { Page } from '../interfaces.ts';
import { pageOf, PRUNE_BATCH } from '../rules.ts';
import type { RedisClient } from './client.ts';
import type { ExpiringKeys } from './keys.ts';
import type { Scripts } from './lua.ts';
import { execTx } from './tx.ts';

export class ExpiringHash {
  readonly client: RedisClient;
  readonly keys: ExpiringKeys;
  readonly #scripts: Scripts;
  /** Whether the key-order zset is kept (only stores that list need it). */
  readonly #ordered: boolean;

  constructor(client: RedisClient, keys: ExpiringKeys, scripts: Scripts, ordered: boolean) {
    this.client = client;
    this.keys = keys;
    this.#scripts = scripts;
    this.#ordered = ordered;
  }

  #indexKeys(): string[] {
    return this.#ordered ? [this.keys.expiry, this.keys.order] : [this.keys.expiry];
  }

  async put(key: string, value: string, expiresAt: number): Promise<void> {
    const m = this.client.multi().hset(this.keys.entries, key, value).zadd(this.keys.expiry, expiresAt, key);
    if (this.#ordered) m.zadd(this.keys.order, 0, key);
    await execTx(m);
  }

  async getRaw(keys: string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    return this.client.hmget(this.keys.entries, ...keys);
  }

  async delete(keys: string[]): Promise<number> {
    if (keys.length === 0) return 0;
    const m = this.client.multi().hdel(this.keys.entries, ...keys);
    for (const z of this.#indexKeys()) m.zrem(z, ...keys);
    const [removed] = (await execTx(m)) as number[];
    return removed;
  }

  async count(): Promise<number> {
    return this.client.hlen(this.keys.entries);
  }

  /** Removes every entry with expiresAt <= now, one bounded script call per batch. */
  async expire(now: number): Promise<number> {
    const keys = [this.keys.entries, ...this.#indexKeys()];
    let total = 0;
    for (;;) {
      const n = Number(await this.#scripts.expireBatch(keys.length, ...keys, now, PRUNE_BATCH, '0'));
      total += n;
      if (n < PRUNE_BATCH) return total;
    }
  }

  /** Sweeps expired entries, then returns one page of raw values in key order. */
  async list(now: number, req: { offset?: number; limit?: number }): Promise<Page<[string, string]>> {
    await this.expire(now);
    const { offset, limit } = pageOf(req);
    const total = await this.client.zcard(this.keys.order);
    if (limit === 0) return { items: [], total };
    const keys = await this.client.zrange(this.keys.order, String(offset), String(offset + limit - 1));
    const values = await this.getRaw(keys);
    const items: [string, string][] = [];
    keys.forEach((k, i) => {
      const v = values[i];
      if (v !== null) items.push([k, v]);
    });
    return { items, total };
  }
}
