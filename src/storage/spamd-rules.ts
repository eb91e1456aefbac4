// Rules every SpamdStore backend shares (spamdb's keys and listing order, PROTOCOLS §7.4), so memory, SQLite and Redis agree.

import { WinnowError } from '../errors.ts';
import type { SpamdEntry, SpamdTuple } from './spamd-interfaces.ts';

/** spamdb lists WHITE before GREY, then TRAPPED, then SPAMTRAP; within a kind, entries go in key order. */
export const KIND_ORDER: readonly SpamdEntry['kind'][] = ['white', 'grey', 'trapped', 'spamtrap'];

/** spamd's database key of a tuple (`ip\nhelo\nfrom\nto`, PROTOCOLS §7.3); SMTP lines never hold a newline. */
export function tupleKey(t: SpamdTuple): string {
  return `${t.ip}\n${t.helo}\n${t.from}\n${t.to}`;
}

/** SPAMTRAP keys are lower-cased and must look like an address (spamdb -T). */
export function spamtrapKey(address: string): string {
  const key = address.toLowerCase();
  if (!key.includes('@')) throw new WinnowError('ERR_INVALID_ARGUMENT', `a spamtrap address must contain '@', got '${address}'`);
  return key;
}

/** Correspondents of the reply bookkeeping (spamlogd's job): bare, lower-cased addresses, `<a@b>` and `a@b` alike. */
export function replyAddress(address: string): string {
  return address.trim().replace(/^<(.*)>$/, '$1').trim().toLowerCase();
}
