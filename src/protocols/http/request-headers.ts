// Maps rspamd scan request headers (and query-string parameters, which rspamd treats as headers) to a ScanRequest (PROTOCOLS.md §3.2).

import { normalizeIp } from '../../net/ip-address.ts';
import type { ScanRequest } from '../../core/types.ts';

/** Every value a request carries for a header name, headers first, then query-string parameters. */
export type HeaderBag = (name: string) => string[];

/** Builds a HeaderBag from Node's `headersDistinct` (lower-case keys) and the URL's query string. */
export function headerBag(headers: Record<string, string[] | undefined>, query: URLSearchParams): HeaderBag {
  const fromQuery = new Map<string, string[]>();
  for (const [k, v] of query) {
    const key = k.toLowerCase();
    const list = fromQuery.get(key);
    if (list) list.push(v);
    else fromQuery.set(key, [v]);
  }
  return (name) => {
    const key = name.toLowerCase();
    return [...(headers[key] ?? []), ...(fromQuery.get(key) ?? [])];
  };
}

/** Request options that shape the reply rather than the scan. */
export interface ReplyOptions {
  /** `Flags: zstd` (rspamc -z): compress the reply and mark it `Compression: zstd`. */
  zstdReply: boolean;
  /** `Accept-Encoding: zstd`: compress the reply and mark it `Content-Encoding: zstd`. */
  zstdContentEncoding: boolean;
}

export type HeaderMapping =
  | { ok: true; request: Omit<ScanRequest, 'message'>; reply: ReplyOptions; flags: string[] }
  | { ok: false; error: string };

/** Headers passed through to checks as `facts` (lower-case keys) without interpretation here. */
const FACT_HEADERS = [
  'User-Agent',
  'MTA-Tag',
  'MTA-Name',
  'TLS-Cipher',
  'TLS-Version',
  'TLS-Cert-Issuer',
  'Milter',
  'Mailer',
  'Subject',
  'Raw',
  'URL-Format',
  'Settings',
  'Filename',
  'Log',
  'Log-Tag',
  'Profile',
] as const;

/** First non-empty value, trimmed; undefined when absent. `From` is special-cased by the caller (empty is meaningful). */
function single(bag: HeaderBag, name: string): string | undefined {
  for (const v of bag(name)) {
    const t = v.trim();
    if (t !== '') return t;
  }
  return undefined;
}

/** `<a@b>` → `a@b`; `<>` → ''. */
export function stripAngles(addr: string): string {
  const t = addr.trim();
  return t.startsWith('<') && t.endsWith('>') ? t.slice(1, -1).trim() : t;
}


/** `Flags: pass_all, zstd` → ['pass_all', 'zstd'] (lower-case, every Flags header and value joined). */
export function parseFlags(bag: HeaderBag): string[] {
  const out: string[] = [];
  for (const v of bag('Flags')) {
    for (const f of v.split(',')) {
      const t = f.trim().toLowerCase();
      if (t !== '' && !out.includes(t)) out.push(t);
    }
  }
  return out;
}

function parseRcpts(bag: HeaderBag): string[] {
  const out: string[] = [];
  for (const v of bag('Rcpt')) {
    for (const part of v.split(',')) {
      const a = stripAngles(part);
      if (a !== '') out.push(a);
    }
  }
  return out;
}

/** Translates the rspamd request headers into a ScanRequest; the only hard error is an invalid `IP`. */
export function mapRequestHeaders(bag: HeaderBag): HeaderMapping {
  const request: Omit<ScanRequest, 'message'> = { rcptTo: parseRcpts(bag) };

  const ipRaw = single(bag, 'IP');
  if (ipRaw !== undefined) {
    const ip = normalizeIp(ipRaw);
    if (ip === undefined) return { ok: false, error: `invalid IP header: ${JSON.stringify(ipRaw)} is not an IPv4 or IPv6 address` };
    request.clientIp = ip;
  }

  const helo = single(bag, 'Helo');
  if (helo !== undefined) request.helo = helo;
  const hostname = single(bag, 'Hostname');
  if (hostname !== undefined) request.hostname = hostname;

  // rspamd turns an empty From into `<>`: a present-but-empty header is the null sender, not "unknown".
  const froms = bag('From');
  if (froms.length > 0) request.mailFrom = stripAngles(froms.find((f) => f.trim() !== '') ?? '');

  const queueId = single(bag, 'Queue-Id');
  if (queueId !== undefined) request.queueId = queueId;
  const user = single(bag, 'User');
  if (user !== undefined) request.user = user;
  const deliverTo = single(bag, 'Deliver-To');
  if (deliverTo !== undefined) request.deliverTo = stripAngles(deliverTo);
  const settingsId = single(bag, 'Settings-ID');
  if (settingsId !== undefined) request.settingsId = settingsId;

  const flags = parseFlags(bag);
  if (flags.includes('pass_all') || single(bag, 'Pass')?.toLowerCase() === 'all') request.passAll = true;

  const facts: Record<string, string> = {};
  for (const name of FACT_HEADERS) {
    const v = single(bag, name);
    if (v !== undefined) facts[name.toLowerCase()] = v;
  }
  if (flags.length > 0) facts.flags = flags.join(',');
  if (Object.keys(facts).length > 0) request.facts = facts;

  const reply: ReplyOptions = { zstdReply: flags.includes('zstd'), zstdContentEncoding: acceptsZstd(bag('Accept-Encoding')) };
  return { ok: true, request, reply, flags };
}

/** True when an Accept-Encoding list names zstd with a non-zero q value (RFC 9110 §12.5.3). */
export function acceptsZstd(values: string[]): boolean {
  for (const item of values.join(',').split(',')) {
    const [coding, ...params] = item.split(';').map((s) => s.trim().toLowerCase());
    if (coding !== 'zstd') continue;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}
