// The SMTP front's state, OpenBSD spamd's database (grey tuples, WHITE and TRAPPED IPs, SPAMTRAP addresses; PROTOCOLS §7.3-7.4).

export interface SpamdTuple { ip: string; helo: string; from: string; to: string }
export interface SpamdGreyEntry extends SpamdTuple {
  firstSeen: number; passAt: number; expiresAt: number;
  /** times answered 451 (spamd's bcount) */ blocked: number;
  /** times seen passing (spamd's pcount) */ passed: number;
}
export interface SpamdWhiteEntry { ip: string; firstSeen: number; passAt: number; expiresAt: number; blocked: number; passed: number }
export interface SpamdTrappedEntry { ip: string; expiresAt: number }
export interface SpamdTiming { passTimeMs: number; greyExpMs: number; whiteExpMs: number }
export type SpamdEntry =
  | ({ kind: 'grey' } & SpamdGreyEntry)
  | ({ kind: 'white' } & SpamdWhiteEntry)
  | ({ kind: 'trapped' } & SpamdTrappedEntry)
  | { kind: 'spamtrap'; address: string };

export interface SpamdStore {
  /**
   * A greylisted client's RCPT (spamd grey.c): new tuple → firstSeen=now, passAt=expiresAt=now+greyExp, blocked=1;
   * existing → blocked++, and if firstSeen+passTime < now then passAt=now. When the tuple passes (passAt <= now)
   * and the IP is not trapped, the IP becomes WHITE (created if absent: same counters, expiresAt=now+whiteExp).
   * Returns the tuple after the update and whether the IP is white now.
   */
  seeTuple(t: SpamdTuple, now: number, timing: SpamdTiming): Promise<{ entry: SpamdGreyEntry; white: boolean }>;
  /** Live WHITE entry for the IP, if any. */
  white(ip: string, now: number): Promise<SpamdWhiteEntry | undefined>;
  /** spamdb -a: new → first=pass=now, expires=now+whiteExp, blocked=1, passed=0; existing → passed++, pass=now, expiry renewed. */
  addWhite(ip: string, now: number, whiteExpMs: number): Promise<SpamdWhiteEntry>;
  /** A whitelisted client seen passing (spamlogd): passed++, expiry renewed; creates it like addWhite when absent. */
  touchWhite(ip: string, now: number, whiteExpMs: number): Promise<void>;
  trap(ip: string, now: number, trapExpMs: number): Promise<void>;
  trapped(ip: string, now: number): Promise<SpamdTrappedEntry | undefined>;
  addSpamtrap(address: string): Promise<void>;          // lower-cased, must contain '@'
  isSpamtrap(address: string): Promise<boolean>;
  /** Deletes WHITE/TRAPPED entry of an IP, a SPAMTRAP address, or (kind 'grey') every GREY tuple of an IP. Returns how many. */
  delete(kind: 'white' | 'trapped' | 'spamtrap' | 'grey', key: string): Promise<number>;
  /** Every live entry (spamdb listing order: any stable order), optionally one kind; paged like other stores. */
  list(req?: { kind?: SpamdEntry['kind']; offset?: number; limit?: number; now?: number }): Promise<{ items: SpamdEntry[]; total: number }>;
  /** Removes entries expired at now (SPAMTRAP never expires); returns how many. */
  expire(now: number): Promise<number>;
  /**
   * spamlogd's job for outgoing mail: a local user (`to`) mailed `from`, so mail from `from` to `to` is a reply and
   * skips greylisting until now + ttlMs (renewed on each call). Addresses compare lower-cased, `<>` stripped.
   */
  expectReply(from: string, to: string, now: number, ttlMs: number): Promise<void>;
  /** Whether mail from `from` to `to` is an expected reply at `now`. */
  replyExpected(from: string, to: string, now: number): Promise<boolean>;
}
