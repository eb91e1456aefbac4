// Redis GreylistStore and whitelist on ExpiringHash; seen(), sight() and sightUnlessListed() are one Lua script each (sweep + upsert).

import { Cluster } from 'ioredis';
import type {
  GreylistEntry,
  GreylistSeen,
  GreylistSighting,
  GreylistStore,
  ListedOrSighted,
  ListRequest,
  Page,
  PassCounter,
  SightTiming,
  WhitelistEntry,
  WhitelistStore,
} from '../interfaces.ts';
import { assertSightTiming } from '../greylist-rules.ts';
import { assertTime, SWEEP_BATCH, SweepSchedule } from '../rules.ts';
import type { RedisClient } from './client.ts';
import type { RedisKeys } from './keys.ts';
import type { Scripts } from './lua.ts';
import { defineGreylistScripts, type GreylistScripts } from './lua-greylist.ts';
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

/** A bad call is refused here, before anything reaches the server (or a whitelist lookup answers it). */
function assertSightArgs(now: number, t: SightTiming, counter: PassCounter | undefined): void {
  assertSightTiming(now, t);
  if (counter) assertTime('counter.ttlMs', counter.ttlMs);
}

/** ARGV of the sight scripts after the keys (the caller has run assertSightArgs). */
function sightArgs(key: string, now: number, t: SightTiming, counter: PassCounter | undefined, sweep: number): (string | number)[] {
  return [key, now, t.delayMs, t.retryWindowMs, t.passTtlMs, sweep, counter?.key ?? '', counter?.ttlMs ?? 0];
}

function toSighting(key: string, r: number[], counter: PassCounter | undefined): GreylistSighting {
  const [firstSeen, lastSeen, passCount, expiresAt, created, previousPassCount] = r;
  const s: GreylistSighting = { entry: { key, firstSeen, lastSeen, passCount, expiresAt }, created: created === 1, previousPassCount };
  if (counter && r.length > 6) {
    const [cFirst, cLast, cPass, cExp, cCreated] = r.slice(6);
    s.counted = { key: counter.key, firstSeen: cFirst, lastSeen: cLast, passCount: cPass, expiresAt: cExp, created: cCreated === 1 };
  }
  return s;
}

export class RedisGreylist implements GreylistStore {
  readonly #h: ExpiringHash;
  readonly #wl: ExpiringHash;
  readonly #scripts: Scripts;
  readonly #lua: GreylistScripts;
  /** Cluster keeps the whitelist in another hash slot: no script may touch both. */
  readonly #cluster: boolean;
  readonly whitelist: WhitelistStore;
  /** Sightings sweep expired entries in chunks (each host of a shared Redis sweeps for its own writes). */
  readonly #sweeps = new SweepSchedule();

  constructor(client: RedisClient, keys: RedisKeys, scripts: Scripts) {
    this.#h = new ExpiringHash(client, keys.expiring('greylist'), scripts, true);
    this.#wl = new ExpiringHash(client, keys.expiring('whitelist'), scripts, true);
    this.#scripts = scripts;
    this.#lua = defineGreylistScripts(client);
    this.#cluster = client instanceof Cluster;
    this.whitelist = new RedisWhitelist(this.#wl);
  }

  async sight(key: string, now: number, timing: SightTiming, counter?: PassCounter): Promise<GreylistSighting> {
    assertSightArgs(now, timing, counter);
    const k = this.#h.keys;
    const r = (await this.#lua.greySight(k.entries, k.expiry, k.order, ...sightArgs(key, now, timing, counter, this.#sweeps.take()))) as number[];
    return toSighting(key, r, counter);
  }

  async sightUnlessListed(listKey: string, key: string, now: number, timing: SightTiming, counter?: PassCounter): Promise<ListedOrSighted> {
    assertSightArgs(now, timing, counter);
    if (this.#cluster) {
      const listed = await this.whitelist.get(listKey, now);
      return listed ? { listed } : { sighting: await this.sight(key, now, timing, counter) };
    }
    const k = this.#h.keys;
    const r = (await this.#lua.greySightUnlessListed(this.#wl.keys.entries, k.entries, k.expiry, k.order, listKey, ...sightArgs(key, now, timing, counter, this.#sweeps.take()))) as (
      | number
      | string
    )[];
    if (r[0] === 'listed') return { listed: parseWhite(listKey, String(r[1])) };
    return { sighting: toSighting(key, r as number[], counter) };
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
