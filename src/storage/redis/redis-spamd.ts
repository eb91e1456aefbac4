// Redis SpamdStore: each spamd entry (PROTOCOLS §7.3-7.4) is a key with a TTL, indexed for listing, all under one hash tag.

import { assertTime, pageOf, PRUNE_BATCH, SWEEP_BATCH } from '../rules.ts';
import type {
  SpamdEntry,
  SpamdGreyEntry,
  SpamdStore,
  SpamdTiming,
  SpamdTrappedEntry,
  SpamdTuple,
  SpamdWhiteEntry,
} from '../spamd-interfaces.ts';
import { KIND_ORDER, replyAddress, spamtrapKey, tupleKey } from '../spamd-rules.ts';
import type { RedisClient } from './client.ts';
import type { SpamdKeys, SpamdKindKeys } from './keys.ts';
import { defineSpamdScripts, type SpamdScripts } from './lua-spamd.ts';

type Kind = SpamdEntry['kind'];
type Counters = { firstSeen: number; passAt: number; expiresAt: number; blocked: number; passed: number };

/** "first pass expire blocked passed", as the scripts write it. */
function unpack(raw: string): Counters {
  const [firstSeen, passAt, expiresAt, blocked, passed] = raw.split(' ').map(Number);
  return { firstSeen, passAt, expiresAt, blocked, passed };
}

function counters(r: number[]): Counters {
  const [firstSeen, passAt, expiresAt, blocked, passed] = r.map(Number);
  return { firstSeen, passAt, expiresAt, blocked, passed };
}

function tupleOf(member: string): SpamdTuple {
  const [ip, helo, from, ...to] = member.split('\n');
  return { ip, helo, from, to: to.join('\n') };
}

/** Relative expiry: TTLs follow the caller's clock (`now`), not the server's, so both agree on how long an entry lives. */
function ttlMs(expiresAt: number, now: number): number {
  return Math.max(1, expiresAt - now);
}

export class RedisSpamd implements SpamdStore {
  readonly #client: RedisClient;
  readonly #k: SpamdKeys;
  readonly #s: SpamdScripts;

  constructor(client: RedisClient, keys: SpamdKeys) {
    this.#client = client;
    this.#k = keys;
    this.#s = defineSpamdScripts(client);
  }

  async seeTuple(t: SpamdTuple, now: number, timing: SpamdTiming): Promise<{ entry: SpamdGreyEntry; white: boolean }> {
    assertTime('now', now);
    const { grey, white, trapped } = this.#k;
    const member = tupleKey(t);
    const r = (await this.#s.seeTuple(
      grey.entry + member,
      white.entry + t.ip,
      trapped.entry + t.ip,
      grey.idx,
      grey.exp,
      white.idx,
      white.exp,
      member,
      t.ip,
      now,
      timing.passTimeMs,
      timing.greyExpMs,
      timing.whiteExpMs,
      SWEEP_BATCH,
      grey.entry,
      white.entry,
    )) as number[];
    return { entry: { ip: t.ip, helo: t.helo, from: t.from, to: t.to, ...counters(r) }, white: Number(r[5]) === 1 };
  }

  async white(ip: string, now: number): Promise<SpamdWhiteEntry | undefined> {
    const raw = await this.#client.get(this.#k.white.entry + ip);
    if (raw === null) return undefined;
    const c = unpack(raw);
    return c.expiresAt > now ? { ip, ...c } : undefined;
  }

  async addWhite(ip: string, now: number, whiteExpMs: number): Promise<SpamdWhiteEntry> {
    return this.#upsertWhite(ip, now, whiteExpMs, true);
  }

  async touchWhite(ip: string, now: number, whiteExpMs: number): Promise<void> {
    await this.#upsertWhite(ip, now, whiteExpMs, false);
  }

  async #upsertWhite(ip: string, now: number, whiteExpMs: number, setPass: boolean): Promise<SpamdWhiteEntry> {
    assertTime('now', now);
    assertTime('whiteExpMs', whiteExpMs);
    const w = this.#k.white;
    const r = (await this.#s.upsertWhite(w.entry + ip, w.idx, w.exp, ip, now, whiteExpMs, setPass ? '1' : '0')) as number[];
    return { ip, ...counters(r) };
  }

  async trap(ip: string, now: number, trapExpMs: number): Promise<void> {
    assertTime('now', now);
    assertTime('trapExpMs', trapExpMs);
    const t = this.#k.trapped;
    await this.#s.trap(t.entry + ip, t.idx, t.exp, ip, now, trapExpMs);
  }

  async trapped(ip: string, now: number): Promise<SpamdTrappedEntry | undefined> {
    const raw = await this.#client.get(this.#k.trapped.entry + ip);
    if (raw === null) return undefined;
    const expiresAt = Number(raw);
    return expiresAt > now ? { ip, expiresAt } : undefined;
  }

  async addSpamtrap(address: string): Promise<void> {
    await this.#client.zadd(this.#k.spamtraps, 0, spamtrapKey(address));
  }

  async isSpamtrap(address: string): Promise<boolean> {
    return (await this.#client.zscore(this.#k.spamtraps, address.toLowerCase())) !== null;
  }

  async delete(kind: 'white' | 'trapped' | 'spamtrap' | 'grey', key: string): Promise<number> {
    switch (kind) {
      case 'spamtrap':
        return this.#client.zrem(this.#k.spamtraps, key.toLowerCase());
      case 'grey':
        return Number(await this.#s.deleteGreyOfIp(this.#k.grey.idx, this.#k.grey.exp, key, this.#k.grey.entry));
      default: {
        const k = this.#k[kind];
        return Number(await this.#s.deleteOne(k.entry + key, k.idx, k.exp, key));
      }
    }
  }

  async list(req: { kind?: Kind; offset?: number; limit?: number; now?: number } = {}): Promise<{ items: SpamdEntry[]; total: number }> {
    const now = req.now ?? Date.now();
    await this.expire(now);
    const { offset, limit } = pageOf(req);
    const kinds = KIND_ORDER.filter((k) => req.kind === undefined || req.kind === k);
    const items: SpamdEntry[] = [];
    let total = 0;
    for (const kind of kinds) {
      const idx = kind === 'spamtrap' ? this.#k.spamtraps : this.#k[kind].idx;
      const n = await this.#client.zcard(idx);
      const from = Math.max(0, offset - total);
      const want = Math.max(0, Math.min(n - from, offset + limit - total - from));
      if (want > 0) items.push(...(await this.#page(kind, idx, from, want)));
      total += n;
    }
    return { items, total };
  }

  async #page(kind: Kind, idx: string, from: number, count: number): Promise<SpamdEntry[]> {
    const members = await this.#client.zrange(idx, String(from), String(from + count - 1));
    if (kind === 'spamtrap') return members.map((address) => ({ kind, address }));
    const values = members.length ? await this.#client.mget(...members.map((m) => this.#k[kind].entry + m)) : [];
    const out: SpamdEntry[] = [];
    members.forEach((m, i) => {
      const raw = values[i];
      // A key whose TTL ran out before the sweep reached its index member is gone: skip it.
      if (raw === null || raw === undefined) return;
      if (kind === 'trapped') out.push({ kind, ip: m, expiresAt: Number(raw) });
      else if (kind === 'white') out.push({ kind, ip: m, ...unpack(raw) });
      else out.push({ kind, ...tupleOf(m), ...unpack(raw) });
    });
    return out;
  }

  async expire(now: number): Promise<number> {
    assertTime('now', now);
    let total = 0;
    for (const k of [this.#k.grey, this.#k.white, this.#k.trapped] as SpamdKindKeys[]) {
      for (;;) {
        const n = Number(await this.#s.sweepStep(k.idx, k.exp, now, PRUNE_BATCH, k.entry));
        total += n;
        if (n < PRUNE_BATCH) break;
      }
    }
    return total;
  }

  /** spamlogd's job for outgoing mail: a reply from `from` to `to` skips greylisting until now + ttlMs (a plain TTL key). */
  async expectReply(from: string, to: string, now: number, ttl: number): Promise<void> {
    assertTime('now', now);
    assertTime('ttlMs', ttl);
    const expiresAt = now + ttl;
    await this.#client.set(this.#replyKey(from, to), String(expiresAt), 'PX', ttlMs(expiresAt, now));
  }

  async replyExpected(from: string, to: string, now: number): Promise<boolean> {
    const raw = await this.#client.get(this.#replyKey(from, to));
    return raw !== null && Number(raw) > now;
  }

  #replyKey(from: string, to: string): string {
    return `${this.#k.reply}${replyAddress(from)}\n${replyAddress(to)}`;
  }
}
