// Maps a ScanResult to the end-of-body replies: header removals and additions, Subject change, quarantine, then one final reply (PROTOCOLS.md §1.5).

import type { ScanResult } from '../../core/types.ts';
import type { MilterReply } from './codec.ts';
import { headerValue } from './header-value.ts';

/** Longest reply text libmilter/Postfix accept after the codes (PROTOCOLS.md §1.5: ≤ 980 characters). */
export const MAX_REPLY_TEXT_CHARS = 900;
/** Longest quarantine reason sent (Postfix logs it; keep it one short line). */
export const MAX_QUARANTINE_REASON_CHARS = 200;

/** Codes used when a text carries none of the right class. */
const DEFAULT_CODES = { '4': ['451', '4.7.1'], '5': ['550', '5.7.1'] } as const;

export interface MilterReplyOptions {
  rejectMessage: string;
  tempfailMessage: string;
  discardOnReject: boolean;
  quarantineOnReject: boolean;
  quarantineReason: string;
}

/** What the MTA agreed to let us do in OPTNEG. */
export interface MilterAbilities {
  addHeaders: boolean;
  changeHeaders: boolean;
  quarantine: boolean;
}

/** One line of printable ASCII: a CR/LF would split the SMTP reply, and Postfix rejects 8-bit reply text. */
function oneLine(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]+/g, ' ').replace(/[^\x20-\x7e]/g, '?').replace(/ {2,}/g, ' ').trim();
}

const BASIC = /^([2-5])\d\d(?:[ -]|$)/;
const ENHANCED = /^([245])\.\d{1,3}\.\d{1,3}(?: |$)/;

/**
 * `NNN x.y.z text` for REPLYCODE, from a check's text such as `554 5.7.1 Blocked`, `5.7.0 Blocked` or `Blocked`.
 * Codes of the other class are dropped (a greylist never becomes a permanent reject); missing ones come from
 * the defaults (550 5.7.1 / 451 4.7.1). `%` is doubled: Sendmail reads the text as a printf format and Postfix
 * turns `%%` back into one.
 */
export function smtpReplyText(cls: '4' | '5', text: string | undefined, fallback: string): string {
  let t = oneLine(text ?? '');
  let basic: string = DEFAULT_CODES[cls][0];
  const b = BASIC.exec(t);
  if (b) {
    if (b[1] === cls) basic = t.slice(0, 3);
    t = t.slice(3).replace(/^[ -]/, '').trim();
  }
  let enhanced: string = DEFAULT_CODES[cls][1];
  const e = ENHANCED.exec(t);
  if (e) {
    if (e[1] === cls) enhanced = e[0].trim();
    t = t.slice(e[0].length).trim();
  }
  if (t === '') t = oneLine(fallback);
  return `${basic} ${enhanced} ${t.slice(0, MAX_REPLY_TEXT_CHARS).replace(/%/g, '%%')}`;
}

/** How often each header name (case-insensitive) occurs among the headers as received. */
function countOf(received: readonly string[], name: string): number {
  const key = name.toLowerCase();
  let n = 0;
  for (const h of received) if (h.toLowerCase() === key) n++;
  return n;
}

/**
 * CHGHEADER deletions for the removals: index 0 = every occurrence, N = the N-th, -N = the N-th from the end.
 * Occurrences are deleted from the last to the first so no deletion shifts the index of one still to come.
 */
function removals(result: ScanResult, received: readonly string[]): MilterReply[] {
  const out: MilterReply[] = [];
  const seen = new Set<string>();
  for (const r of result.removeHeaders) {
    const count = countOf(received, r.name);
    const indexes = r.index === 0 ? Array.from({ length: count }, (_, i) => count - i) : [r.index > 0 ? r.index : count + r.index + 1];
    for (const index of indexes) {
      const key = `${r.name.toLowerCase()}/${index}`;
      if (index < 1 || index > count || seen.has(key)) continue;
      seen.add(key);
      out.push({ type: 'chgheader', index, name: r.name, value: '' });
    }
  }
  return out.sort((a, b) => (a.type === 'chgheader' && b.type === 'chgheader' ? b.index - a.index : 0));
}

/** Header edits for a message that is delivered (accepted or held): removals first, then the new Subject, then additions. */
function modifications(result: ScanResult, received: readonly string[], can: MilterAbilities): MilterReply[] {
  const out: MilterReply[] = [];
  if (can.changeHeaders) out.push(...removals(result, received));
  if (result.subject !== undefined) {
    const value = headerValue(result.subject);
    if (countOf(received, 'Subject') > 0 && can.changeHeaders) out.push({ type: 'chgheader', index: 1, name: 'Subject', value });
    else if (countOf(received, 'Subject') === 0 && can.addHeaders) out.push({ type: 'addheader', name: 'Subject', value });
  }
  if (can.addHeaders) for (const h of result.addHeaders) out.push({ type: 'addheader', name: h.name, value: headerValue(h.value) });
  return out;
}

function quarantined(result: ScanResult, received: readonly string[], can: MilterAbilities, reason: string): MilterReply[] {
  const r = oneLine(reason).slice(0, MAX_QUARANTINE_REASON_CHARS);
  return [...modifications(result, received, can), { type: 'quarantine', reason: r }, { type: 'accept' }];
}

/**
 * The whole end-of-body answer. `received` lists the header names as the MTA sent them (CHGHEADER counts
 * occurrences in that list). Refused messages get no edits: nobody will read them.
 */
export function milterReplies(result: ScanResult, received: readonly string[], can: MilterAbilities, opts: MilterReplyOptions): MilterReply[] {
  const msg = result.messages.smtp_message;
  const reject = (): MilterReply[] => [{ type: 'replycode', text: smtpReplyText('5', msg, opts.rejectMessage) }];
  switch (result.action) {
    case 'reject':
      if (opts.quarantineOnReject && can.quarantine) return quarantined(result, received, can, opts.quarantineReason);
      if (opts.discardOnReject) return [{ type: 'discard' }];
      return reject();
    case 'greylist':
      // Only a check that forces it (the greylist check, for a triplet not yet retried) delays the message; a score in
      // the greylist band alone is accepted with headers, as rspamd's milter does, or a passed retry would never get in.
      if (result.forced?.action !== 'greylist') return [...modifications(result, received, can), { type: 'accept' }];
      return [{ type: 'replycode', text: smtpReplyText('4', msg, opts.tempfailMessage) }];
    case 'soft reject':
      return [{ type: 'replycode', text: smtpReplyText('4', msg, opts.tempfailMessage) }];
    case 'discard':
      return [{ type: 'discard' }];
    case 'quarantine':
      // An MTA that cannot hold mail gets a reject: delivering what a check wanted held would be worse.
      if (!can.quarantine) return reject();
      return quarantined(result, received, can, result.forced?.message ?? opts.quarantineReason);
    default:
      return [...modifications(result, received, can), { type: 'accept' }];
  }
}
