// SPF record selection and parsing (RFC 7208 §4.5, §4.6, §5, §6, ABNF of §12): any syntax error anywhere makes the whole record a permerror.

import { parseIp4Network, parseIp6Network } from './ip.ts';
import { parseDomainSpec, parseMacroString, SpfSyntaxError, type MacroToken } from './macro.ts';

export type Qualifier = '+' | '-' | '~' | '?';

export type Mechanism =
  | { type: 'all' }
  | { type: 'include' | 'exists'; domain: MacroToken[] }
  | { type: 'a' | 'mx'; domain: MacroToken[] | undefined; cidr4: number; cidr6: number }
  | { type: 'ptr'; domain: MacroToken[] | undefined }
  | { type: 'ip4' | 'ip6'; network: Uint8Array; prefix: number };

export interface Directive {
  qualifier: Qualifier;
  mechanism: Mechanism;
  /** The term as written, for the result's "mechanism" field. */
  text: string;
}

export interface SpfRecord {
  directives: Directive[];
  redirect?: MacroToken[];
  exp?: MacroToken[];
}

const IP4_BITS = 32;
const IP6_BITS = 128;
/** `v=spf1` followed by a space or the end of the record (RFC 7208 §4.5). */
const VERSION = /^v=spf1(?: |$)/i;
const MODIFIER = /^([a-z][a-z0-9_.-]*)=(.*)$/i;
const DIRECTIVE = /^([+\-~?]?)([a-z][a-z0-9_.-]*)(.*)$/i;
/** An optional domain-spec part, then the optional ip4-cidr-length and ip6-cidr-length. */
const DUAL_CIDR = /^(.*?)(?:\/(\d+))?(?:\/\/(\d+))?$/s;
/** "0" or a number without leading zeros, of at most `n` digits (RFC 7208 §12: ip4-cidr-length, ip6-cidr-length). */
const CIDR_DIGITS = { 4: /^(?:0|[1-9]\d?)$/, 6: /^(?:0|[1-9]\d{0,2})$/ } as const;

export function isSpfRecord(txt: string): boolean {
  return VERSION.test(txt);
}

export type Selection = { kind: 'none' } | { kind: 'record'; text: string } | { kind: 'multiple' };

/** Picks the one SPF record among a name's TXT records; more than one is a permerror (RFC 7208 §4.5). */
export function selectRecord(txts: readonly string[]): Selection {
  const found = txts.filter(isSpfRecord);
  if (found.length === 0) return { kind: 'none' };
  if (found.length > 1) return { kind: 'multiple' };
  return { kind: 'record', text: found[0] };
}

function cidr(digits: string | undefined, family: 4 | 6, fallback: number): number {
  if (digits === undefined) return fallback;
  if (!CIDR_DIGITS[family].test(digits)) throw new SpfSyntaxError(`bad CIDR length /${digits}`);
  const n = Number(digits);
  if (n > (family === 4 ? IP4_BITS : IP6_BITS)) throw new SpfSyntaxError(`CIDR length /${digits} too long for IPv${family}`);
  return n;
}

/** `:domain-spec` or nothing; `required` for include and exists. */
function optionalDomain(rest: string, term: string, required: boolean): MacroToken[] | undefined {
  if (rest === '') {
    if (required) throw new SpfSyntaxError(`${term} needs a domain-spec`);
    return undefined;
  }
  if (!rest.startsWith(':')) throw new SpfSyntaxError(`bad term ${term}`);
  return parseDomainSpec(rest.slice(1));
}

function parseIpMechanism(type: 'ip4' | 'ip6', rest: string, term: string): Mechanism {
  if (!rest.startsWith(':')) throw new SpfSyntaxError(`${term} needs an address`);
  const slash = rest.indexOf('/');
  const addr = slash < 0 ? rest.slice(1) : rest.slice(1, slash);
  const length = slash < 0 ? undefined : rest.slice(slash + 1);
  const family = type === 'ip4' ? 4 : 6;
  const network = type === 'ip4' ? parseIp4Network(addr) : parseIp6Network(addr);
  if (!network) throw new SpfSyntaxError(`bad address in ${term}`);
  return { type, network, prefix: cidr(length, family, family === 4 ? IP4_BITS : IP6_BITS) };
}

function parseMechanism(name: string, rest: string, term: string): Mechanism {
  switch (name) {
    case 'all':
      if (rest !== '') throw new SpfSyntaxError(`bad term ${term}`);
      return { type: 'all' };
    case 'include':
    case 'exists':
      return { type: name, domain: optionalDomain(rest, term, true)! };
    case 'ptr':
      return { type: 'ptr', domain: optionalDomain(rest, term, false) };
    case 'a':
    case 'mx': {
      const m = DUAL_CIDR.exec(rest)!;
      return {
        type: name,
        domain: optionalDomain(m[1], term, false),
        cidr4: cidr(m[2], 4, IP4_BITS),
        cidr6: cidr(m[3], 6, IP6_BITS),
      };
    }
    case 'ip4':
    case 'ip6':
      return parseIpMechanism(name, rest, term);
    default:
      throw new SpfSyntaxError(`unknown mechanism ${name}`);
  }
}

/** Parses a record that `isSpfRecord` accepted. Throws SpfSyntaxError on any syntax error. */
export function parseRecord(text: string): SpfRecord {
  // Only printable ASCII and SP may appear: tabs, CR/LF and 8-bit characters are errors (RFC 7208 §3.1, §4.6.1).
  if (/[^\x20-\x7e]/.test(text)) throw new SpfSyntaxError('record holds characters other than printable ASCII');
  const record: SpfRecord = { directives: [] };
  for (const term of text.split(' ').slice(1)) {
    if (term === '') continue;
    const mod = MODIFIER.exec(term);
    if (mod) {
      const name = mod[1].toLowerCase();
      if (name === 'redirect' || name === 'exp') {
        if (record[name] !== undefined) throw new SpfSyntaxError(`${name}= given twice`);
        record[name] = parseDomainSpec(mod[2]);
      } else {
        // Unknown modifiers are ignored, but their value must still be a valid macro-string (RFC 7208 §6).
        parseMacroString(mod[2], 'domain');
      }
      continue;
    }
    const dir = DIRECTIVE.exec(term);
    if (!dir) throw new SpfSyntaxError(`bad term ${term}`);
    const qualifier = (dir[1] || '+') as Qualifier;
    record.directives.push({ qualifier, mechanism: parseMechanism(dir[2].toLowerCase(), dir[3], term), text: term });
  }
  return record;
}
