// Maps a ScanResult to one access(5) action for a policy reply (`action=...\n\n`); Postfix reads one action per reply.

import type { Action, HeaderChange, ScanResult } from '../../core/types.ts';

/** Texts used when no check supplied `messages.smtp_message`. */
export const DEFAULT_TEXTS = {
  reject: '5.7.1 Rejected as spam',
  'soft reject': '4.7.1 Try again later',
  greylist: '4.7.1 Greylisted, please try again later',
  discard: '2.0.0 Discarded',
  quarantine: '4.7.1 Held for review',
} as const satisfies Partial<Record<Action, string>>;

/** Header PREPENDed for the `add header` action when no check asked for a header of its own (rspamd's milter does the same). */
export const SPAM_HEADER: HeaderChange = { name: 'X-Spam', value: 'Yes' };

/** Postfix truncates long SMTP replies anyway; bound what we write. */
export const MAX_REPLY_TEXT_CHARS = 500;

/** What the fail-safe answers when the scan cannot decide. */
export type FailAction = 'DUNNO' | 'DEFER';

export function replyLine(action: string): string {
  return `action=${action}\n\n`;
}

/** One line, no control characters: a LF in an action would end the reply early and desynchronise Postfix. */
function clean(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]+/g, ' ').trim().slice(0, MAX_REPLY_TEXT_CHARS);
}

const BASIC = /^([245])\d\d(?:[ -]|$)/;
const ENHANCED = /^([245])\.\d{1,3}\.\d{1,3}(?: |$)/;

/**
 * Builds the action for a verdict that carries a reply, from a check's text such as `554 5.7.1 Blocked`,
 * `5.7.1 Blocked` or `Blocked`. `verb` is the access(5) action and `cls` the reply class it implies. With
 * `explicit`, a text carrying its own basic code of that class is sent as an explicit-code action
 * (`554 5.7.1 Blocked`); codes of the wrong class are dropped, so a greylist can never become a permanent
 * reject or the reverse. The text always starts with an enhanced status code (the fallback's if it had none).
 */
function withText(verb: string, cls: '2' | '4' | '5', text: string | undefined, fallback: string, explicit: boolean): string {
  let t = clean(text ?? '');
  let basic: string | undefined;
  const b = BASIC.exec(t);
  if (b) {
    if (b[1] === cls) basic = t.slice(0, 3);
    t = t.slice(4).trim();
  }
  const e = ENHANCED.exec(t);
  if (e && e[1] !== cls) t = t.slice(e[0].length).trim();
  const fallbackCode = fallback.slice(0, fallback.indexOf(' '));
  const body = t === '' ? fallback : ENHANCED.test(t) ? t : `${fallbackCode} ${t}`;
  return explicit && basic ? `${basic} ${body}` : `${verb} ${body}`;
}

export interface ReplyOptions {
  /**
   * Lower-case names of headers already PREPENDed in this SMTP transaction (Postfix's `instance`).
   * Postfix asks once per recipient: a second `X-Greylist` with another delay would be a duplicate.
   */
  alreadyPrepended?: ReadonlySet<string>;
}

/**
 * Lower-case header names PREPENDed before any other, in this order; unlisted headers follow in the order the
 * checks added them. Postfix takes one PREPEND per policy answer, so with several candidates the one postgrey users
 * look for (X-Greylist on mail that passed greylisting) goes first; the SPF headers go out on the next recipient's
 * answer of the same transaction, if there is one.
 */
export const PREPEND_PRIORITY: readonly string[] = ['x-greylist', 'received-spf', 'authentication-results'];

function priority(name: string): number {
  const i = PREPEND_PRIORITY.indexOf(name);
  return i < 0 ? PREPEND_PRIORITY.length : i;
}

/** The header a PREPEND reply would add, as `Name: value`, or undefined. */
export function headerToPrepend(result: ScanResult, opts: ReplyOptions = {}): { name: string; line: string } | undefined {
  const headers = result.addHeaders.length > 0 ? result.addHeaders : result.action === 'add header' ? [SPAM_HEADER] : [];
  let best: { name: string; header: HeaderChange; rank: number } | undefined;
  for (const h of headers) {
    const name = h.name.toLowerCase();
    if (opts.alreadyPrepended?.has(name)) continue;
    const rank = priority(name);
    // Strictly better only: among equals the first added wins.
    if (!best || rank < best.rank) best = { name, header: h, rank };
  }
  return best && { name: best.name, line: clean(`${best.header.name}: ${best.header.value}`) };
}

/**
 * Verdict → action: reject → REJECT (or `5NN text`), soft reject → DEFER (or `4NN text`), greylist →
 * DEFER_IF_PERMIT, discard → DISCARD, quarantine → HOLD. Everything else accepts: PREPEND the header not
 * yet added in this transaction that comes first by PREPEND_PRIORITY (PREPEND implies DUNNO: Postfix goes on
 * to the next restriction), otherwise DUNNO. `rewrite subject` cannot be done before DATA and is DUNNO here.
 */
export function policyAction(result: ScanResult, opts: ReplyOptions = {}): string {
  const msg = result.messages.smtp_message;
  switch (result.action) {
    case 'reject':
      return withText('REJECT', '5', msg, DEFAULT_TEXTS.reject, true);
    case 'soft reject':
      return withText('DEFER', '4', msg, DEFAULT_TEXTS['soft reject'], true);
    case 'greylist':
      // DEFER_IF_PERMIT takes no basic code: a later permanent reject must still win (postgrey's answer).
      return withText('DEFER_IF_PERMIT', '4', msg, DEFAULT_TEXTS.greylist, false);
    case 'discard':
      return withText('DISCARD', '2', msg, DEFAULT_TEXTS.discard, false);
    case 'quarantine':
      return withText('HOLD', '4', msg, DEFAULT_TEXTS.quarantine, false);
    default: {
      const header = headerToPrepend(result, opts);
      return header ? `PREPEND ${header.line}` : 'DUNNO';
    }
  }
}

export function failAction(action: FailAction): string {
  return action === 'DEFER' ? `DEFER ${DEFAULT_TEXTS['soft reject']}` : 'DUNNO';
}
