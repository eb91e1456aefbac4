// Redis GreylistStore and whitelist on ExpiringHash; seen() is one Lua script (sweep + upsert).

import type {
  GreylistEntry,
  GreylistSeen,
  GreylistStore,
  ListRequest,
  Page,
  WhitelistEntry,
  WhitelistStore,
} from '../interfaces.ts';
import { assertTime, SWEEP_BATCH } from '../rules.ts';
import type { RedisClient } from './client.ts';
import type { RedisKeys } from './keys.ts';
import type { Scripts } from './lua.ts';
import { ExpiringHash } from './redis-expiring.ts';

/** Packed as "firstSeen lastSeen passCount expiresAt". */
function parseGrey(key: string, raw: string): GreylistEntry {
  const [firstSeen, lastSeen, passCount, expiresAt] = raw.split(' ').map(Number);
  return { key, firstSeen, lastSeen, passCount, expiresAt };
}

/** Packed as "expiresAt reason" (the reason may contain spaces). */
function parseWhite(key: string, raw: string): WhitelistEntry {
  const sp = raw.indexOf(' ');
  return { key, expiresAt: Number(raw.slice(0, sp)), reason: raw.slice(sp + 1) };
}

class RedisWhitelist implements WhitelistStore {
  readonly #h: ExpiringHash;
  constructor(h: ExpiringHash) {
    this.#h = h;
  }
  async add(key: string, expiresAt: number, reason: string): Promise<void> {
    assertTime('expiresAt', expiresAt);
    await this.#h.put(key, `${expiresAt} ${reason}`, expiresAt);
  }
  async remove(key: string): Promise<boolean> {
    return (await this.#h.delete([key])) > 0;
  }
  async get(key: string, now: number): Promise<WhitelistEntry | undefined> {
    const [raw] = await this.#h.getRaw([key]);
    const e = raw === null ? undefined : parseWhite(key, raw);
    return e && e.expiresAt > now ? e : undefined;
  }
  async list(req: ListRequest = {}): Promise<Page<WhitelistEntry>> {
    const page = await this.#h.list(req.now ?? Date.now(), req);
    return { items: page.items.map(([k, v]) => parseWhite(k, v)), total: page.total };
  }
  async expire(now: number): Promise<number> {
    return this.#h.expire(now);
  }
}

export class RedisGreylist implements GreylistStore {
  readonly #h: ExpiringHash;
  readonly #scripts: Scripts;
  readonly whitelist: WhitelistStore;

  constructor(client: RedisClient, keys: RedisKeys, scripts: Scripts) {
    this.#h = new ExpiringHash(client, keys.expiring('greylist'), scripts, true);
    this.#scripts = scripts;
    this.whitelist = new RedisWhitelist(new ExpiringHash(client, keys.expiring('whitelist'), scripts, true));
  }

  async seen(key: string, now: number, ttlMs: number, minDelayMs = 0): Promise<GreylistSeen> {
    assertTime('now', now);
    assertTime('ttlMs', ttlMs);
    const k = this.#h.keys;
    const [firstSeen, lastSeen, passCount, expiresAt, created] = (await this.#scripts.greySeen(
      k.entries,
      k.expiry,
      k.order,
      key,
      now,
      ttlMs,
      minDelayMs,
      SWEEP_BATCH,
    )) as number[];
    return { key, firstSeen, lastSeen, passCount, expiresAt, created: created === 1 };
  }

  async get(key: string, now: number): Promise<GreylistEntry | undefined> {
    const [raw] = await this.#h.getRaw([key]);
    const e = raw === null ? undefined : parseGrey(key, raw);
    return e && e.expiresAt > now ? e : undefined;
  }

  async delete(key: string): Promise<boolean> {
    return (await this.#h.delete([key])) > 0;
  }

  async list(req: ListRequest = {}): Promise<Page<GreylistEntry>> {
    const page = await this.#h.list(req.now ?? Date.now(), req);
    return { items: page.items.map(([k, v]) => parseGrey(k, v)), total: page.total };
  }

  async expire(now: number): Promise<number> {
    return this.#h.expire(now);
  }
}
