// Evaluates a compiled rule pack against one parsed message: lazy, memoised atoms over length-capped target texts.

import type { Address, ParsedMessage } from '../../mime/model.ts';
import type { CompiledAtom, RuleEvaluator, RulePack } from './compile.ts';
import type { AtomSpec, HeaderSelector } from './format.ts';

// Input caps bound regex work per atom: a regex engine backtracks, so the only hard guarantee is short input.
/** One header value as an atom sees it. */
export const MAX_HEADER_VALUE_CHARS = 8 * 1024;
/** Decoded body text (text parts + HTML rendered as text). */
export const MAX_BODY_CHARS = 256 * 1024;
/** Undecoded body after the header block. */
export const MAX_RAWBODY_CHARS = 256 * 1024;
/** Raw HTML of all text/html parts. */
export const MAX_HTML_CHARS = 256 * 1024;
/** URL atoms look at this many URLs, each cut to MAX_URL_CHARS. */
export const MAX_URLS = 500;
export const MAX_URL_CHARS = 2 * 1024;
/** mimeheader atoms look at the headers of this many MIME parts. */
export const MAX_MIME_PARTS = 100;

function cap(s: string, max: number): string {
  return s.length > max ? s.slice(0, max) : s;
}

/** The texts atoms read, each computed on first use and kept for the rest of the message. */
export class MessageTargets {
  readonly #msg: ParsedMessage;
  #body: string | undefined;
  #rawbody: string | undefined;
  #html: string | undefined;
  #urls: string[] | undefined;

  constructor(msg: ParsedMessage) {
    this.#msg = msg;
  }

  body(): string {
    if (this.#body === undefined) {
      const { text, htmlText } = this.#msg;
      this.#body = cap(text && htmlText ? `${text}\n${htmlText}` : text || htmlText, MAX_BODY_CHARS);
    }
    return this.#body;
  }

  rawbody(): string {
    return (this.#rawbody ??= cap(this.#msg.rawBody, MAX_RAWBODY_CHARS));
  }

  html(): string {
    return (this.#html ??= cap(this.#msg.html, MAX_HTML_CHARS));
  }

  urls(): string[] {
    return (this.#urls ??= this.#msg.urls.slice(0, MAX_URLS).map((u) => cap(u.url, MAX_URL_CHARS)));
  }

  headerCount(name: string): number {
    return this.#msg.header(name).length;
  }

  headerValues(name: string, select: HeaderSelector): string[] {
    if (select === 'addr' || select === 'name') {
      const list = addressesOf(this.#msg, name.toLowerCase());
      return list.map((a) => cap(select === 'addr' ? a.address : a.name, MAX_HEADER_VALUE_CHARS));
    }
    return this.#msg.header(name).map((h) => cap(select === 'raw' ? h.raw : h.value, MAX_HEADER_VALUE_CHARS));
  }

  mimeHeaderValues(name: string, raw: boolean): string[] {
    const key = name.toLowerCase();
    const out: string[] = [];
    const parts = this.#msg.parts;
    for (let i = 0; i < parts.length && i < MAX_MIME_PARTS; i++) {
      for (const h of parts[i].headers) if (h.key === key) out.push(cap(raw ? h.raw : h.value, MAX_HEADER_VALUE_CHARS));
    }
    return out;
  }
}

function addressesOf(msg: ParsedMessage, header: string): Address[] {
  switch (header) {
    case 'from':
      return msg.from;
    case 'to':
      return msg.to;
    case 'cc':
      return msg.cc;
    case 'reply-to':
      return msg.replyTo;
    case 'sender':
      return msg.sender ? [msg.sender] : [];
    default:
      return [];
  }
}

export function testAtom(spec: AtomSpec, t: MessageTargets): boolean {
  switch (spec.target) {
    case 'header':
      if (spec.exists !== undefined) return spec.exists === t.headerCount(spec.header) > 0;
      return t.headerValues(spec.header, spec.select).some((v) => spec.re!.test(v));
    case 'mimeheader':
      return t.mimeHeaderValues(spec.header, spec.raw).some((v) => spec.re.test(v));
    case 'body':
      return spec.re.test(t.body());
    case 'rawbody':
      return spec.re.test(t.rawbody());
    case 'html':
      return spec.re.test(t.html());
    case 'url':
      return t.urls().some((u) => spec.re.test(u));
  }
}

const UNKNOWN = 0;
const FALSE = 1;
const TRUE = 2;

/** One message's evaluation: each atom and rule is decided at most once, and only when an expression asks. */
class Evaluation implements RuleEvaluator {
  readonly #atoms: CompiledAtom[];
  readonly #pack: RulePack;
  readonly #targets: MessageTargets;
  readonly #atomMemo: Uint8Array;
  readonly #ruleMemo: Uint8Array;

  constructor(pack: RulePack, msg: ParsedMessage) {
    this.#pack = pack;
    this.#atoms = pack.atoms;
    this.#targets = new MessageTargets(msg);
    this.#atomMemo = new Uint8Array(pack.atoms.length);
    this.#ruleMemo = new Uint8Array(pack.rules.length);
  }

  atom(i: number): boolean {
    let m = this.#atomMemo[i];
    if (m === UNKNOWN) this.#atomMemo[i] = m = testAtom(this.#atoms[i].spec, this.#targets) ? TRUE : FALSE;
    return m === TRUE;
  }

  rule(i: number): boolean {
    let m = this.#ruleMemo[i];
    if (m === UNKNOWN) this.#ruleMemo[i] = m = this.#pack.rules[i].test(this) ? TRUE : FALSE;
    return m === TRUE;
  }
}

/** Symbols of the rules that match `msg`, in pack order. `enabled` lets the caller skip rules it will not score. */
export function matchingRules(pack: RulePack, msg: ParsedMessage, enabled?: (symbol: string) => boolean): string[] {
  const ev = new Evaluation(pack, msg);
  const out: string[] = [];
  for (let i = 0; i < pack.rules.length; i++) {
    if (enabled && !enabled(pack.rules[i].symbol)) continue;
    if (ev.rule(i)) out.push(pack.rules[i].symbol);
  }
  return out;
}
