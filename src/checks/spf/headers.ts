// Result header fields for an SPF outcome: Received-SPF (RFC 7208 §9.1) and the spf method of Authentication-Results (RFC 8601 §2.7.2).

import type { SpfOutcome } from './evaluate.ts';

/** RFC 5322 atext, the characters a dot-atom may use. */
const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+(?:\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+)*$/;
/** RFC 2045 token (what RFC 8601's `value` allows unquoted). */
const MIME_TOKEN = /^[^\x00-\x20()<>@,;:\\"/[\]?=\x7f-\uffff]+$/;

/** A dot-atom as is, anything else as a quoted-string (RFC 5322 §3.2.4). */
export function atomOrQuoted(s: string): string {
  if (DOT_ATOM.test(s)) return s;
  return `"${s.replace(/[\r\n]+/g, ' ').replace(/["\\]/g, '\\$&')}"`;
}

/** Text fit for a header comment: parentheses and backslashes escaped, line breaks flattened (RFC 5322 §3.2.2). */
export function commentText(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').replace(/[()\\]/g, '\\$&');
}

/** The human-readable comment RFC 7208 §9.1 suggests for each result. */
export function spfComment(o: SpfOutcome, ip: string, receiver: string): string {
  const who = o.sender;
  switch (o.result) {
    case 'pass':
      return `${receiver}: domain of ${who} designates ${ip} as permitted sender`;
    case 'fail':
      return `${receiver}: domain of ${who} does not designate ${ip} as permitted sender`;
    case 'softfail':
      return `${receiver}: domain of transitioning ${who} does not designate ${ip} as permitted sender`;
    case 'neutral':
      return `${receiver}: ${ip} is neither permitted nor denied by domain of ${who}`;
    case 'none':
      return `${receiver}: domain of ${who} does not designate permitted sender hosts`;
    case 'permerror':
      return `${receiver}: permanent error in processing domain of ${who}${o.problem ? `: ${o.problem}` : ''}`;
    case 'temperror':
      return `${receiver}: error in processing during lookup of ${who}${o.problem ? `: ${o.problem}` : ''}`;
  }
}

export interface HeaderFacts {
  ip: string;
  helo: string | undefined;
  /** MAIL FROM as received ('' for the null sender). */
  mailFrom: string;
  receiver: string;
}

/** The Received-SPF field body: result, comment, then the key-value pairs of RFC 7208 §9.1. */
export function receivedSpf(o: SpfOutcome, f: HeaderFacts): string {
  const pairs: [string, string][] = [['client-ip', f.ip], ['envelope-from', f.mailFrom]];
  if (f.helo !== undefined && f.helo !== '') pairs.push(['helo', f.helo]);
  if (o.problem !== undefined && (o.result === 'permerror' || o.result === 'temperror')) pairs.push(['problem', o.problem]);
  pairs.push(['receiver', f.receiver], ['identity', o.identity]);
  if (o.mechanism !== undefined) pairs.push(['mechanism', o.mechanism]);
  const kv = pairs.map(([k, v]) => `${k}=${v === '' ? '""' : atomOrQuoted(v)};`).join(' ');
  return `${o.result} (${commentText(spfComment(o, f.ip, f.receiver))}) ${kv}`;
}

function pvalue(s: string): string {
  if (MIME_TOKEN.test(s)) return s;
  // An address: a local-part that is no dot-atom gets quoted on its own, as RFC 8601's pvalue grammar wants.
  const at = s.lastIndexOf('@');
  if (at > 0 && MIME_TOKEN.test(s.slice(at + 1).replace(/\./g, ''))) return `${atomOrQuoted(s.slice(0, at))}@${s.slice(at + 1)}`;
  return atomOrQuoted(s);
}

/** The Authentication-Results field body for the spf method (RFC 8601 §2.7.2: smtp.mailfrom or smtp.helo). */
export function authenticationResults(o: SpfOutcome, f: HeaderFacts, authservId: string): string {
  const property = o.identity === 'helo' ? `smtp.helo=${pvalue(f.helo ?? '')}` : `smtp.mailfrom=${pvalue(o.sender)}`;
  return `${authservId}; spf=${o.result} (${commentText(spfComment(o, f.ip, f.receiver))}) ${property}`;
}
