// SPF macro strings (RFC 7208 §7): parsing with full syntax checks, and expansion with transformers, delimiters and URL escaping.

import { dottedForm, readableForm, type IpAddr } from './ip.ts';

/** A syntax error in a record, a domain-spec or an explanation: `permerror` for records (RFC 7208 §4.6). */
export class SpfSyntaxError extends Error {}

export type MacroToken =
  | { kind: 'literal'; text: string }
  /** `%%`, `%_`, `%-`: expansions with a fixed value; they count as macro-expand for domain-end. */
  | { kind: 'escape'; text: string }
  | { kind: 'macro'; letter: string; upper: boolean; rightParts: number | undefined; reverse: boolean; delimiters: string };

/** `domain`: a macro-string in a domain-spec or modifier; `explain`: an explanation TXT record, where SP and c/r/t are allowed. */
export type MacroMode = 'domain' | 'explain';

const MACRO_LETTERS = 'slodiphv';
/** Letters only allowed in explanation strings (RFC 7208 §7.2). */
const EXPLAIN_ONLY_LETTERS = 'crt';
const ESCAPES: Record<string, string> = { '%': '%', _: ' ', '-': '%20' };

function isLiteralChar(c: string, mode: MacroMode): boolean {
  const code = c.charCodeAt(0);
  if (mode === 'explain' && code === 0x20) return true;
  return code >= 0x21 && code <= 0x7e && code !== 0x25;
}

export function parseMacroString(s: string, mode: MacroMode): MacroToken[] {
  const tokens: MacroToken[] = [];
  let literal = '';
  const flush = (): void => {
    if (literal) tokens.push({ kind: 'literal', text: literal });
    literal = '';
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '%') {
      if (!isLiteralChar(c, mode)) throw new SpfSyntaxError(`invalid character ${JSON.stringify(c)} in ${JSON.stringify(s)}`);
      literal += c;
      continue;
    }
    const next = s[i + 1];
    if (next !== undefined && Object.hasOwn(ESCAPES, next)) {
      flush();
      tokens.push({ kind: 'escape', text: ESCAPES[next] });
      i++;
      continue;
    }
    if (next !== '{') throw new SpfSyntaxError(`lone % in ${JSON.stringify(s)}`);
    const close = s.indexOf('}', i + 2);
    if (close < 0) throw new SpfSyntaxError(`unterminated macro in ${JSON.stringify(s)}`);
    const m = /^([a-z])(\d*)(r?)([.\-+,/_=]*)$/i.exec(s.slice(i + 2, close));
    if (!m) throw new SpfSyntaxError(`bad macro %{${s.slice(i + 2, close)}}`);
    const letter = m[1].toLowerCase();
    const allowed = mode === 'explain' ? MACRO_LETTERS + EXPLAIN_ONLY_LETTERS : MACRO_LETTERS;
    if (!allowed.includes(letter)) throw new SpfSyntaxError(`macro letter ${m[1]} not allowed here`);
    const rightParts = m[2] === '' ? undefined : Number(m[2]);
    if (rightParts === 0) throw new SpfSyntaxError('macro digit transformer must not be zero');
    flush();
    tokens.push({ kind: 'macro', letter, upper: m[1] !== letter, rightParts, reverse: m[3] !== '', delimiters: m[4] });
    i = close;
  }
  flush();
  return tokens;
}

/** toplabel of RFC 7208 §7.1: not all-numeric, no leading or trailing hyphen. */
const DOMAIN_END = /\.(?:[a-z0-9]*[a-z][a-z0-9]*|[a-z0-9]+-[a-z0-9-]*[a-z0-9])\.?$/i;

/** Parses a domain-spec: a macro-string that ends in a macro-expand or in "." toplabel (RFC 7208 §7.1). */
export function parseDomainSpec(s: string): MacroToken[] {
  const tokens = parseMacroString(s, 'domain');
  const last = tokens.at(-1);
  if (!last) throw new SpfSyntaxError('empty domain-spec');
  if (last.kind === 'literal' && !DOMAIN_END.test(last.text)) throw new SpfSyntaxError(`domain-spec ${JSON.stringify(s)} has no valid top label`);
  return tokens;
}

export interface MacroValues {
  /** `<sender>`: the identity checked (postmaster@HELO for the null sender). */
  sender: string;
  domain: string;
  ip: IpAddr;
  helo: string;
  /** `%{r}`: the receiving host's domain. */
  receiver: string;
  /** `%{t}`: seconds since the epoch. */
  now: () => number;
  /** `%{p}`: the validated host name of the client (RFC 7208 §7.3; DNS lookups, hence async). */
  validatedName: () => Promise<string>;
}

/** RFC 3986 unreserved characters stay; everything else is %-escaped (uppercase macro letters, RFC 7208 §7.3). */
function urlEscape(s: string): string {
  return Array.from(new TextEncoder().encode(s), (b) => {
    const c = String.fromCharCode(b);
    return /[A-Za-z0-9\-._~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
}

async function letterValue(letter: string, v: MacroValues): Promise<string> {
  const at = v.sender.lastIndexOf('@');
  switch (letter) {
    case 's':
      return v.sender;
    case 'l':
      return at > 0 ? v.sender.slice(0, at) : 'postmaster';
    case 'o':
      return v.sender.slice(at + 1);
    case 'd':
      return v.domain;
    case 'i':
      return dottedForm(v.ip);
    case 'p':
      return v.validatedName();
    case 'v':
      return v.ip.family === 4 ? 'in-addr' : 'ip6';
    case 'h':
      return v.helo;
    case 'c':
      return readableForm(v.ip);
    case 'r':
      return v.receiver || 'unknown';
    case 't':
      return String(Math.floor(v.now() / 1000));
    default:
      throw new SpfSyntaxError(`unknown macro letter ${letter}`);
  }
}

export async function expandMacro(tokens: readonly MacroToken[], v: MacroValues): Promise<string> {
  let out = '';
  for (const t of tokens) {
    if (t.kind !== 'macro') {
      out += t.text;
      continue;
    }
    let value = await letterValue(t.letter, v);
    if (t.rightParts !== undefined || t.reverse || t.delimiters !== '') {
      const delims = t.delimiters || '.';
      let parts = value.split(new RegExp(`[${delims.replace(/[-\\\]^/]/g, '\\$&')}]`));
      if (t.reverse) parts = parts.reverse();
      if (t.rightParts !== undefined) parts = parts.slice(-t.rightParts);
      value = parts.join('.');
    }
    out += t.upper ? urlEscape(value) : value;
  }
  return out;
}
