// Recognises mail sent through a mailing-list manager from the headers each one adds (RFC 2369 List-*, RFC 2919 List-Id, RFC 3834 Precedence).

import type { ParsedMessage } from '../../mime/model.ts';

export interface ListInfo {
  /** `mailman`, `googlegroups`, `ezmlm`, `yahoogroups`, `sympa`, `listserv`, `majordomo`, `communigate` or `generic`. */
  software: string;
  /** The List-Id value without its phrase and angle brackets, when present. */
  listId?: string;
}

/** Received fields searched for a LISTSERV signature; the manager's hop is near the top. */
const MAX_RECEIVED_SCANNED = 8;

/** `"Foo list" <foo.lists.example.org>` → `foo.lists.example.org` (RFC 2919 §2). */
export function listIdOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const m = /<([^<>]+)>/.exec(value);
  const id = (m ? m[1] : value).trim().toLowerCase();
  return id === '' ? undefined : id;
}

function has(m: ParsedMessage, name: string): boolean {
  return m.header(name).length > 0;
}

function precedence(m: ParsedMessage): string {
  return (m.first('precedence') ?? '').trim().toLowerCase();
}

/** Each detector names the software when its signature is present; the first match wins. */
const DETECTORS: ReadonlyArray<(m: ParsedMessage, listId: string | undefined) => string | undefined> = [
  (m) => (has(m, 'x-mailman-version') || has(m, 'x-beenthere') ? 'mailman' : undefined),
  (m, id) => (has(m, 'x-google-group-id') || has(m, 'x-google-loop') || id?.endsWith('.googlegroups.com') ? 'googlegroups' : undefined),
  (m) => {
    const ml = m.first('mailing-list');
    if (ml === undefined) return undefined;
    if (/yahoogroups|groups\.yahoo/i.test(ml)) return 'yahoogroups';
    // ezmlm writes `contact list-help@example.org; run by ezmlm`.
    return /\bezmlm\b|^\s*contact\s/i.test(ml) ? 'ezmlm' : 'generic';
  },
  (m) => {
    if (m.headers.some((h) => h.key.startsWith('x-sympa'))) return 'sympa';
    const archive = m.first('list-archive') ?? m.first('list-help') ?? '';
    return /\/sympa\b/i.test(archive) ? 'sympa' : undefined;
  },
  (m) => {
    if (/\blistserv\b/i.test(m.first('x-listserver') ?? '') || /\bLISTSERV@/i.test(m.first('list-unsubscribe') ?? '')) return 'listserv';
    const hops = m.received.slice(0, MAX_RECEIVED_SCANNED);
    return hops.some((h) => h.raw.includes('LISTSERV-TCP/IP')) ? 'listserv' : undefined;
  },
  (m) => (/communigate/i.test(m.first('x-listserver') ?? '') ? 'communigate' : undefined),
  (m) => {
    if (has(m, 'x-majordomo-version')) return 'majordomo';
    const sender = m.sender?.address.toLowerCase() ?? '';
    const p = precedence(m);
    return sender.startsWith('owner-') && (p === 'bulk' || p === 'list') ? 'majordomo' : undefined;
  },
  (m, id) => {
    if (id !== undefined) return 'generic';
    // Precedence: list alone is cheap to forge; together with an RFC 2369 field it is a list.
    const listField = m.headers.some((h) => h.key === 'list-post' || h.key === 'list-help' || h.key === 'list-subscribe');
    return precedence(m) === 'list' && listField ? 'generic' : undefined;
  },
];

/** The list manager the message came through, or undefined. */
export function detectList(m: ParsedMessage): ListInfo | undefined {
  const listId = listIdOf(m.first('list-id'));
  for (const detect of DETECTORS) {
    const software = detect(m, listId);
    if (software !== undefined) return listId === undefined ? { software } : { software, listId };
  }
  return undefined;
}

/** Precedence: bulk (or junk) — what bulk senders set to keep auto-responders quiet. */
export function isBulk(m: ParsedMessage): boolean {
  const p = precedence(m);
  return p === 'bulk' || p === 'junk';
}
