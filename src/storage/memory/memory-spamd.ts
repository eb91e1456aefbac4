// In-memory SpamdStore (tests only): spamd's grey/white/trapped/spamtrap entries in plain maps (PROTOCOLS §7.3-7.4).

import { assertTime, pageOf } from '../rules.ts';
import { KIND_ORDER, replyAddress, spamtrapKey, tupleKey } from '../spamd-rules.ts';
import type {
  SpamdEntry,
  SpamdGreyEntry,
  SpamdStore,
  SpamdTiming,
  SpamdTrappedEntry,
  SpamdTuple,
  SpamdWhiteEntry,
} from '../spamd-interfaces.ts';

export class MemorySpamdStore implements SpamdStore {
  readonly #grey = new Map<string, SpamdGreyEntry>();
  readonly #white = new Map<string, SpamdWhiteEntry>();
  readonly #trapped = new Map<string, SpamdTrappedEntry>();
  readonly #spamtraps = new Set<string>();
  /** `from\nto` → expiresAt of an expected reply (spamlogd's bookkeeping). */
  readonly #replies = new Map<string, number>();

  async seeTuple(t: SpamdTuple, now: number, timing: SpamdTiming): Promise<{ entry: SpamdGreyEntry; white: boolean }> {
    assertTime('now', now);
    const key = tupleKey(t);
    const prev = this.#grey.get(key);
    let entry: SpamdGreyEntry;
    if (prev && prev.expiresAt > now) {
      entry = { ...prev, blocked: prev.blocked + 1 };
      if (prev.firstSeen + timing.passTimeMs < now) entry.passAt = now;
    } else {
      const until = now + timing.greyExpMs;
      entry = { ip: t.ip, helo: t.helo, from: t.from, to: t.to, firstSeen: now, passAt: until, expiresAt: until, blocked: 1, passed: 0 };
    }
    this.#grey.set(key, entry);
    if (entry.passAt <= now && !this.#live(this.#trapped, t.ip, now) && !this.#live(this.#white, t.ip, now)) {
      this.#white.set(t.ip, {
        ip: t.ip,
        firstSeen: entry.firstSeen,
        passAt: entry.passAt,
        expiresAt: now + timing.whiteExpMs,
        blocked: entry.blocked,
        passed: entry.passed,
      });
    }
    return { entry: { ...entry }, white: this.#live(this.#white, t.ip, now) !== undefined };
  }

  async white(ip: string, now: number): Promise<SpamdWhiteEntry | undefined> {
    const row = this.#live(this.#white, ip, now);
    return row && { ...row };
  }

  async addWhite(ip: string, now: number, whiteExpMs: number): Promise<SpamdWhiteEntry> {
    assertTime('now', now);
    const prev = this.#live(this.#white, ip, now);
    const row: SpamdWhiteEntry = prev
      ? { ...prev, passed: prev.passed + 1, passAt: now, expiresAt: now + whiteExpMs }
      : { ip, firstSeen: now, passAt: now, expiresAt: now + whiteExpMs, blocked: 1, passed: 0 };
    this.#white.set(ip, row);
    return { ...row };
  }

  async touchWhite(ip: string, now: number, whiteExpMs: number): Promise<void> {
    const prev = this.#live(this.#white, ip, now);
    if (!prev) {
      await this.addWhite(ip, now, whiteExpMs);
      return;
    }
    this.#white.set(ip, { ...prev, passed: prev.passed + 1, expiresAt: now + whiteExpMs });
  }

  async trap(ip: string, now: number, trapExpMs: number): Promise<void> {
    assertTime('now', now);
    this.#trapped.set(ip, { ip, expiresAt: now + trapExpMs });
  }

  async trapped(ip: string, now: number): Promise<SpamdTrappedEntry | undefined> {
    const row = this.#live(this.#trapped, ip, now);
    return row && { ...row };
  }

  async addSpamtrap(address: string): Promise<void> {
    this.#spamtraps.add(spamtrapKey(address));
  }

  async isSpamtrap(address: string): Promise<boolean> {
    return this.#spamtraps.has(address.toLowerCase());
  }

  async delete(kind: 'white' | 'trapped' | 'spamtrap' | 'grey', key: string): Promise<number> {
    switch (kind) {
      case 'white':
        return this.#white.delete(key) ? 1 : 0;
      case 'trapped':
        return this.#trapped.delete(key) ? 1 : 0;
      case 'spamtrap':
        return this.#spamtraps.delete(key.toLowerCase()) ? 1 : 0;
      case 'grey': {
        let n = 0;
        for (const [k, row] of this.#grey) {
          if (row.ip === key) {
            this.#grey.delete(k);
            n++;
          }
        }
        return n;
      }
    }
  }

  async list(req: { kind?: SpamdEntry['kind']; offset?: number; limit?: number; now?: number } = {}): Promise<{ items: SpamdEntry[]; total: number }> {
    await this.expire(req.now ?? Date.now());
    const all: SpamdEntry[] = [];
    for (const kind of KIND_ORDER) {
      if (req.kind && req.kind !== kind) continue;
      all.push(...this.#entriesOf(kind));
    }
    const { offset, limit } = pageOf(req);
    return { items: all.slice(offset, offset + limit), total: all.length };
  }

  async expire(now: number): Promise<number> {
    let n = 0;
    for (const map of [this.#grey, this.#white, this.#trapped] as Map<string, { expiresAt: number }>[]) {
      for (const [k, row] of map) {
        if (row.expiresAt <= now) {
          map.delete(k);
          n++;
        }
      }
    }
    return n;
  }

  async expectReply(from: string, to: string, now: number, ttlMs: number): Promise<void> {
    assertTime('now', now);
    assertTime('ttlMs', ttlMs);
    this.#replies.set(`${replyAddress(from)}\n${replyAddress(to)}`, now + ttlMs);
  }

  async replyExpected(from: string, to: string, now: number): Promise<boolean> {
    return (this.#replies.get(`${replyAddress(from)}\n${replyAddress(to)}`) ?? 0) > now;
  }

  #entriesOf(kind: SpamdEntry['kind']): SpamdEntry[] {
    const sorted = <T>(m: Map<string, T>): T[] => [...m.keys()].sort().map((k) => m.get(k)!);
    switch (kind) {
      case 'white':
        return sorted(this.#white).map((r) => ({ kind, ...r }));
      case 'grey':
        return sorted(this.#grey).map((r) => ({ kind, ...r }));
      case 'trapped':
        return sorted(this.#trapped).map((r) => ({ kind, ...r }));
      case 'spamtrap':
        return [...this.#spamtraps].sort().map((address) => ({ kind, address }));
    }
  }

  #live<T extends { expiresAt: number }>(map: Map<string, T>, key: string, now: number): T | undefined {
    const row = map.get(key);
    return row && row.expiresAt > now ? row : undefined;
  }
}
