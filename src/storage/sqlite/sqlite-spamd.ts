// SQLite SpamdStore: spamd's database (PROTOCOLS §7.3-7.4) as one table per entry kind, expiry by indexed expires_at columns.

import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { assertTime, pageOf, SWEEP_BATCH } from '../rules.ts';
import type {
  SpamdEntry,
  SpamdGreyEntry,
  SpamdStore,
  SpamdTiming,
  SpamdTrappedEntry,
  SpamdTuple,
  SpamdWhiteEntry,
} from '../spamd-interfaces.ts';
import { KIND_ORDER, replyAddress, spamtrapKey } from '../spamd-rules.ts';
import { immediate } from './database.ts';

type Kind = SpamdEntry['kind'];

interface GreyRow {
  ip: string;
  helo: string;
  sender: string;
  rcpt: string;
  first_seen: number;
  pass_at: number;
  expires_at: number;
  blocked: number;
  passed: number;
}
interface WhiteRow {
  ip: string;
  first_seen: number;
  pass_at: number;
  expires_at: number;
  blocked: number;
  passed: number;
}

function greyEntry(r: GreyRow): SpamdGreyEntry {
  return {
    ip: r.ip,
    helo: r.helo,
    from: r.sender,
    to: r.rcpt,
    firstSeen: r.first_seen,
    passAt: r.pass_at,
    expiresAt: r.expires_at,
    blocked: r.blocked,
    passed: r.passed,
  };
}

function whiteEntry(r: WhiteRow): SpamdWhiteEntry {
  return { ip: r.ip, firstSeen: r.first_seen, passAt: r.pass_at, expiresAt: r.expires_at, blocked: r.blocked, passed: r.passed };
}

const GREY_COLS = 'ip, helo, sender, rcpt, first_seen, pass_at, expires_at, blocked, passed';
const WHITE_COLS = 'ip, first_seen, pass_at, expires_at, blocked, passed';
const EXPIRING = ['spamd_grey', 'spamd_white', 'spamd_trapped', 'spamd_reply'] as const;

export class SqliteSpamd implements SpamdStore {
  readonly #db: DatabaseSync;
  readonly #q: Record<string, StatementSync>;

  constructor(db: DatabaseSync) {
    this.#db = db;
    const sweep = (t: string) => db.prepare(`DELETE FROM ${t} WHERE rowid IN (SELECT rowid FROM ${t} WHERE expires_at <= ? LIMIT ${SWEEP_BATCH})`);
    this.#q = {
      greyGet: db.prepare(`SELECT ${GREY_COLS} FROM spamd_grey WHERE ip = ? AND helo = ? AND sender = ? AND rcpt = ?`),
      greyPut: db.prepare(`INSERT OR REPLACE INTO spamd_grey (${GREY_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      greyDelIp: db.prepare('DELETE FROM spamd_grey WHERE ip = ?'),
      greySweep: sweep('spamd_grey'),
      whiteGet: db.prepare(`SELECT ${WHITE_COLS} FROM spamd_white WHERE ip = ? AND expires_at > ?`),
      whitePut: db.prepare(`INSERT OR REPLACE INTO spamd_white (${WHITE_COLS}) VALUES (?, ?, ?, ?, ?, ?)`),
      whiteDel: db.prepare('DELETE FROM spamd_white WHERE ip = ?'),
      whiteSweep: sweep('spamd_white'),
      trappedGet: db.prepare('SELECT ip, expires_at FROM spamd_trapped WHERE ip = ? AND expires_at > ?'),
      trappedPut: db.prepare('INSERT OR REPLACE INTO spamd_trapped (ip, expires_at) VALUES (?, ?)'),
      trappedDel: db.prepare('DELETE FROM spamd_trapped WHERE ip = ?'),
      trapPut: db.prepare('INSERT OR IGNORE INTO spamd_spamtrap (address) VALUES (?)'),
      trapGet: db.prepare('SELECT 1 AS x FROM spamd_spamtrap WHERE address = ?'),
      trapDel: db.prepare('DELETE FROM spamd_spamtrap WHERE address = ?'),
      replyPut: db.prepare('INSERT OR REPLACE INTO spamd_reply (sender, rcpt, expires_at) VALUES (?, ?, ?)'),
      replyGet: db.prepare('SELECT 1 AS x FROM spamd_reply WHERE sender = ? AND rcpt = ? AND expires_at > ?'),
      replySweep: sweep('spamd_reply'),
      ...Object.fromEntries(EXPIRING.map((t) => [`expire_${t}`, db.prepare(`DELETE FROM ${t} WHERE expires_at <= ?`)])),
      countWhite: db.prepare('SELECT count(*) AS n FROM spamd_white'),
      countGrey: db.prepare('SELECT count(*) AS n FROM spamd_grey'),
      countTrapped: db.prepare('SELECT count(*) AS n FROM spamd_trapped'),
      countSpamtrap: db.prepare('SELECT count(*) AS n FROM spamd_spamtrap'),
      pageWhite: db.prepare(`SELECT ${WHITE_COLS} FROM spamd_white ORDER BY ip LIMIT ? OFFSET ?`),
      pageGrey: db.prepare(`SELECT ${GREY_COLS} FROM spamd_grey ORDER BY ip, helo, sender, rcpt LIMIT ? OFFSET ?`),
      pageTrapped: db.prepare('SELECT ip, expires_at FROM spamd_trapped ORDER BY ip LIMIT ? OFFSET ?'),
      pageSpamtrap: db.prepare('SELECT address FROM spamd_spamtrap ORDER BY address LIMIT ? OFFSET ?'),
    };
  }

  async seeTuple(t: SpamdTuple, now: number, timing: SpamdTiming): Promise<{ entry: SpamdGreyEntry; white: boolean }> {
    assertTime('now', now);
    const q = this.#q;
    return immediate(this.#db, () => {
      q.greySweep.run(now);
      q.whiteSweep.run(now);
      const prev = q.greyGet.get(t.ip, t.helo, t.from, t.to) as GreyRow | undefined;
      let entry: SpamdGreyEntry;
      if (prev && prev.expires_at > now) {
        entry = { ...greyEntry(prev), blocked: prev.blocked + 1 };
        if (prev.first_seen + timing.passTimeMs < now) entry.passAt = now;
      } else {
        const until = now + timing.greyExpMs;
        entry = { ...t, firstSeen: now, passAt: until, expiresAt: until, blocked: 1, passed: 0 };
      }
      q.greyPut.run(t.ip, t.helo, t.from, t.to, entry.firstSeen, entry.passAt, entry.expiresAt, entry.blocked, entry.passed);
      let white = q.whiteGet.get(t.ip, now) !== undefined;
      if (!white && entry.passAt <= now && q.trappedGet.get(t.ip, now) === undefined) {
        q.whitePut.run(t.ip, entry.firstSeen, entry.passAt, now + timing.whiteExpMs, entry.blocked, entry.passed);
        white = true;
      }
      return { entry, white };
    });
  }

  async white(ip: string, now: number): Promise<SpamdWhiteEntry | undefined> {
    const r = this.#q.whiteGet.get(ip, now) as WhiteRow | undefined;
    return r && whiteEntry(r);
  }

  async addWhite(ip: string, now: number, whiteExpMs: number): Promise<SpamdWhiteEntry> {
    return this.#upsertWhite(ip, now, whiteExpMs, true);
  }

  async touchWhite(ip: string, now: number, whiteExpMs: number): Promise<void> {
    await this.#upsertWhite(ip, now, whiteExpMs, false);
  }

  /** spamdb -a (`setPass`) and spamlogd (not): a live entry counts one more pass, a missing one starts at bcount 1. */
  #upsertWhite(ip: string, now: number, whiteExpMs: number, setPass: boolean): SpamdWhiteEntry {
    assertTime('now', now);
    assertTime('whiteExpMs', whiteExpMs);
    return immediate(this.#db, () => {
      const prev = this.#q.whiteGet.get(ip, now) as WhiteRow | undefined;
      const e: SpamdWhiteEntry = prev
        ? { ...whiteEntry(prev), passed: prev.passed + 1, passAt: setPass ? now : prev.pass_at, expiresAt: now + whiteExpMs }
        : { ip, firstSeen: now, passAt: now, expiresAt: now + whiteExpMs, blocked: 1, passed: 0 };
      this.#q.whitePut.run(ip, e.firstSeen, e.passAt, e.expiresAt, e.blocked, e.passed);
      return e;
    });
  }

  async trap(ip: string, now: number, trapExpMs: number): Promise<void> {
    assertTime('now', now);
    assertTime('trapExpMs', trapExpMs);
    this.#q.trappedPut.run(ip, now + trapExpMs);
  }

  async trapped(ip: string, now: number): Promise<SpamdTrappedEntry | undefined> {
    const r = this.#q.trappedGet.get(ip, now) as { ip: string; expires_at: number } | undefined;
    return r && { ip: r.ip, expiresAt: r.expires_at };
  }

  async addSpamtrap(address: string): Promise<void> {
    this.#q.trapPut.run(spamtrapKey(address));
  }

  async isSpamtrap(address: string): Promise<boolean> {
    return this.#q.trapGet.get(address.toLowerCase()) !== undefined;
  }

  async delete(kind: 'white' | 'trapped' | 'spamtrap' | 'grey', key: string): Promise<number> {
    const q = this.#q;
    const stmt = { white: q.whiteDel, trapped: q.trappedDel, spamtrap: q.trapDel, grey: q.greyDelIp }[kind];
    return Number(stmt.run(kind === 'spamtrap' ? key.toLowerCase() : key).changes);
  }

  async list(req: { kind?: Kind; offset?: number; limit?: number; now?: number } = {}): Promise<{ items: SpamdEntry[]; total: number }> {
    const now = req.now ?? Date.now();
    const { offset, limit } = pageOf(req);
    const q = this.#q;
    const kinds = KIND_ORDER.filter((k) => req.kind === undefined || req.kind === k);
    const count = { white: q.countWhite, grey: q.countGrey, trapped: q.countTrapped, spamtrap: q.countSpamtrap };
    return immediate(this.#db, () => {
      this.#expireAll(now);
      const items: SpamdEntry[] = [];
      let total = 0;
      for (const kind of kinds) {
        const n = (count[kind].get() as { n: number }).n;
        // Where this kind's rows fall in the whole listing decides which of them the page holds.
        const from = Math.max(0, offset - total);
        const want = Math.max(0, Math.min(n - from, offset + limit - total - from));
        if (want > 0) items.push(...this.#page(kind, want, from));
        total += n;
      }
      return { items, total };
    });
  }

  #page(kind: Kind, limit: number, offset: number): SpamdEntry[] {
    const q = this.#q;
    switch (kind) {
      case 'white':
        return (q.pageWhite.all(limit, offset) as unknown as WhiteRow[]).map((r) => ({ kind, ...whiteEntry(r) }));
      case 'grey':
        return (q.pageGrey.all(limit, offset) as unknown as GreyRow[]).map((r) => ({ kind, ...greyEntry(r) }));
      case 'trapped':
        return (q.pageTrapped.all(limit, offset) as { ip: string; expires_at: number }[]).map((r) => ({ kind, ip: r.ip, expiresAt: r.expires_at }));
      case 'spamtrap':
        return (q.pageSpamtrap.all(limit, offset) as { address: string }[]).map((r) => ({ kind, address: r.address }));
    }
  }

  async expire(now: number): Promise<number> {
    assertTime('now', now);
    return immediate(this.#db, () => this.#expireAll(now));
  }

  /** Counts spamdb's entries only: reply bookkeeping goes too but is not one of them (Redis drops it by TTL alone). */
  #expireAll(now: number): number {
    let n = 0;
    for (const t of EXPIRING) {
      const changes = Number(this.#q[`expire_${t}`].run(now).changes);
      if (t !== 'spamd_reply') n += changes;
    }
    return n;
  }

  /** spamlogd's job for outgoing mail: a reply from `from` to `to` skips greylisting until now + ttlMs. */
  async expectReply(from: string, to: string, now: number, ttlMs: number): Promise<void> {
    assertTime('now', now);
    assertTime('ttlMs', ttlMs);
    immediate(this.#db, () => {
      this.#q.replySweep.run(now);
      this.#q.replyPut.run(replyAddress(from), replyAddress(to), now + ttlMs);
    });
  }

  async replyExpected(from: string, to: string, now: number): Promise<boolean> {
    return this.#q.replyGet.get(replyAddress(from), replyAddress(to), now) !== undefined;
  }
}
