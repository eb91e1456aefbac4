// Turns parsed map entries into a lookup for one kind of list: IP/CIDR, domain (with parents), e-mail address, regex.

import { domainToASCII } from 'node:url';
import { IpSet } from './ip-set.ts';
import { MapParseError, parseMapText, type MapEntry } from './map-file.ts';
import { parseRegexLiteral } from './regex-literal.ts';

export const MAP_KINDS = ['ip', 'domain', 'email', 'regex'] as const;
export type MapKind = (typeof MAP_KINDS)[number];

/** A regex entry sees at most this much of a value, so one pathological value cannot stall a scan. */
export const MAX_REGEX_MAP_INPUT_CHARS = 4 * 1024;

export interface MapMatcher {
  readonly kind: MapKind;
  /** Number of distinct entries. */
  readonly size: number;
  /** Matching entries: the most specific one for ip/domain/email, every matching pattern for regex. */
  match(value: string): MapEntry[];
}

/** Parses map text of one kind; throws MapParseError naming the line. */
export function parseMap(kind: MapKind, text: string): MapMatcher {
  return buildMatcher(kind, parseMapText(text, { regexKeys: kind === 'regex' }));
}

export function buildMatcher(kind: MapKind, entries: readonly MapEntry[]): MapMatcher {
  switch (kind) {
    case 'ip':
      return ipMatcher(entries);
    case 'domain':
      return domainMatcher(entries);
    case 'email':
      return emailMatcher(entries);
    case 'regex':
      return regexMatcher(entries);
  }
}

function ipMatcher(entries: readonly MapEntry[]): MapMatcher {
  const set = new IpSet<MapEntry>();
  for (const e of entries) {
    try {
      set.add(e.key, e);
    } catch (err) {
      throw new MapParseError((err as Error).message, e.line);
    }
  }
  return {
    kind: 'ip',
    size: set.size,
    match: (value) => {
      const hit = set.lookup(stripBrackets(value.trim()));
      return hit ? [hit.value] : [];
    },
  };
}

/** `[192.0.2.1]` and `[IPv6:2001:db8::1]` address literals (RFC 5321 §4.1.3) look up as the bare address. */
function stripBrackets(v: string): string {
  if (!v.startsWith('[') || !v.endsWith(']')) return v;
  const inner = v.slice(1, -1);
  return /^ipv6:/i.test(inner) ? inner.slice(5) : inner;
}

const DOMAIN_LABELS = /^(?!-)[a-z0-9_-]{1,63}(?:\.(?!-)[a-z0-9_-]{1,63})*$/;

/** Lower-case ASCII (punycode) form without a trailing dot; undefined when it is not a domain name. */
export function normalizeDomain(raw: string): string | undefined {
  let d = raw.trim().toLowerCase();
  if (d.endsWith('.')) d = d.slice(0, -1);
  if (d === '') return undefined;
  if (!/^[\x00-\x7f]*$/.test(d)) d = domainToASCII(d);
  return DOMAIN_LABELS.test(d) ? d : undefined;
}

function domainMatcher(entries: readonly MapEntry[]): MapMatcher {
  const set = new Map<string, MapEntry>();
  for (const e of entries) {
    // `*.example.com` and `.example.com` are common spellings of "example.com and below", which is what we match anyway.
    const d = normalizeDomain(e.key.replace(/^\*?\./, ''));
    if (!d) throw new MapParseError(`'${e.key}' is not a domain name`, e.line);
    set.set(d, e);
  }
  return {
    kind: 'domain',
    size: set.size,
    match: (value) => {
      let d = normalizeDomain(domainPart(value));
      while (d) {
        const hit = set.get(d);
        if (hit) return [hit];
        const dot = d.indexOf('.');
        d = dot < 0 ? undefined : d.slice(dot + 1);
      }
      return [];
    },
  };
}

/** The domain of an address (`a@b.example`, `Name <a@b.example>`) or the value itself when it has no `@`. */
function domainPart(value: string): string {
  const at = value.lastIndexOf('@');
  if (at < 0) return value;
  const rest = value.slice(at + 1);
  const stop = rest.search(/[>\s,;]/);
  return stop < 0 ? rest : rest.slice(0, stop);
}

/** The addr-spec of `a@b.example`, `<a@b.example>` or `Name <a@b.example>`. */
function addrSpec(value: string): string {
  const v = value.trim();
  const lt = v.lastIndexOf('<');
  const gt = v.lastIndexOf('>');
  return lt >= 0 && gt > lt ? v.slice(lt + 1, gt).trim() : v;
}

function emailMatcher(entries: readonly MapEntry[]): MapMatcher {
  const set = new Map<string, MapEntry>();
  for (const e of entries) {
    const key = e.key.toLowerCase();
    const at = key.lastIndexOf('@');
    if (at < 0 || key.indexOf('@') !== at) throw new MapParseError(`'${e.key}' is not an e-mail address or @domain`, e.line);
    const domain = normalizeDomain(key.slice(at + 1));
    if (!domain) throw new MapParseError(`'${e.key}' has an invalid domain`, e.line);
    set.set(`${key.slice(0, at)}@${domain}`, e);
  }
  return {
    kind: 'email',
    size: set.size,
    match: (value) => {
      const v = addrSpec(value).toLowerCase();
      const at = v.lastIndexOf('@');
      if (at <= 0) return [];
      const local = v.slice(0, at);
      const domain = normalizeDomain(v.slice(at + 1));
      if (!domain) return [];
      const plus = local.indexOf('+');
      // Exact address, then the address without its +tag (RFC 5233 subaddress), then the whole domain.
      const candidates = [`${local}@${domain}`, ...(plus > 0 ? [`${local.slice(0, plus)}@${domain}`] : []), `@${domain}`];
      for (const c of candidates) {
        const hit = set.get(c);
        if (hit) return [hit];
      }
      return [];
    },
  };
}

function regexMatcher(entries: readonly MapEntry[]): MapMatcher {
  const compiled = entries.map((e) => {
    try {
      return { re: parseRegexLiteral(e.key, { allowBare: true }), entry: e };
    } catch (err) {
      throw new MapParseError((err as Error).message, e.line);
    }
  });
  return {
    kind: 'regex',
    size: compiled.length,
    match: (value) => {
      const v = value.length > MAX_REGEX_MAP_INPUT_CHARS ? value.slice(0, MAX_REGEX_MAP_INPUT_CHARS) : value;
      return compiled.filter((c) => c.re.test(v)).map((c) => c.entry);
    },
  };
}
