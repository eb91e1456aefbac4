// Parses Received trace fields into hops: HELO, reverse DNS and IP of the sender, by/with/id/for and the date (RFC 5321 §4.4, RFC 5322 §3.6.7).
import { isIP } from 'node:net';
import type { ReceivedHop } from './model.ts';
import { parseMailDate } from './date.ts';

/** A Received value longer than this is cut before parsing; real ones are a few hundred bytes. */
export const MAX_RECEIVED_CHARS = 4096;

const KEYWORDS = new Set(['from', 'by', 'via', 'with', 'id', 'for']);

interface Clause {
  /** Tokens outside parentheses. */
  words: string[];
  /** Text of each top-level parenthesised comment. */
  comments: string[];
}

/** Splits `from ... by ... with ...` into clauses, keeping parenthesised comments with their clause. */
function clauses(s: string): Map<string, Clause> {
  const out = new Map<string, Clause>();
  let current: Clause | undefined;
  let depth = 0;
  let word = '';
  let comment = '';
  const endWord = (): void => {
    if (word === '') return;
    const kw = word.toLowerCase();
    if (KEYWORDS.has(kw) && !out.has(kw)) {
      current = { words: [], comments: [] };
      out.set(kw, current);
    } else {
      current?.words.push(word);
    }
    word = '';
  };
  for (const ch of s) {
    if (ch === '(') {
      if (depth === 0) endWord();
      else comment += ch;
      depth++;
    } else if (ch === ')' && depth > 0) {
      depth--;
      if (depth === 0) {
        current?.comments.push(comment.trim());
        comment = '';
      } else comment += ch;
    } else if (depth > 0) {
      comment += ch;
    } else if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n') {
      endWord();
    } else {
      word += ch;
    }
  }
  if (depth > 0 && comment !== '') current?.comments.push(comment.trim());
  endWord();
  return out;
}

/** A literal address as written in a trace field: `[1.2.3.4]`, `[IPv6:2001:db8::1]`, `1.2.3.4:25`. */
function cleanIp(token: string): string | undefined {
  let t = token.replace(/^\[|\]$/g, '').replace(/^ipv6:/i, '');
  // Exim appends the port: `[192.0.2.1]:4321` arrives here as `192.0.2.1]:4321`.
  t = t.replace(/\]:\d+$/, '').replace(/\]$/, '');
  if (isIP(t)) return t.includes(':') ? t.toLowerCase() : t;
  const v4port = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(t);
  if (v4port && isIP(v4port[1])) return v4port[1];
  return undefined;
}

function cleanHost(token: string | undefined): string | undefined {
  if (!token) return undefined;
  const h = token.replace(/^[^@]*@/, '').replace(/\.$/, '').toLowerCase();
  if (h === '' || h === 'unknown' || h.startsWith('[') || cleanIp(h)) return undefined;
  return h;
}

interface FromInfo {
  helo?: string;
  rdns?: string;
  ip?: string;
}

/** Reads the `from` clause in the shapes Postfix, Sendmail, Exim, qmail, Exchange and Gmail write. */
function readFrom(c: Clause): FromInfo {
  const info: FromInfo = {};
  const first = c.words[0];
  let explicitHelo: string | undefined;
  let rdnsBeforeIp: string | undefined;
  for (const comment of c.comments) {
    const helo = /(?:^|\s)(?:helo|ehlo)(?:=|\s+)([^\s)\]]+)/i.exec(comment);
    if (helo && explicitHelo === undefined) explicitHelo = helo[1].replace(/^\[|\]$/g, '');
    const tokens = comment.split(/\s+/);
    for (let i = 0; i < tokens.length; i++) {
      const ip = cleanIp(tokens[i].replace(/^[^@[]*@/, ''));
      if (ip === undefined || info.ip !== undefined) continue;
      info.ip = ip;
      if (i > 0 && tokens[i].startsWith('[')) rdnsBeforeIp = tokens[i - 1];
    }
  }
  // fetchmail and some others write the literal outside a comment: `from host [192.0.2.1]`.
  for (let i = 0; i < c.words.length && info.ip === undefined; i++) info.ip = cleanIp(c.words[i]);
  if (explicitHelo !== undefined) {
    // Exim and qmail: `from <rdns-or-unknown> (... helo=<name>)`.
    info.helo = explicitHelo;
    info.rdns = cleanHost(first);
  } else {
    // Postfix, Sendmail, Exchange, Gmail: `from <helo> (<rdns> [<ip>])`.
    if (first !== undefined) info.helo = first.replace(/^\[|\]$/g, '');
    info.rdns = cleanHost(rdnsBeforeIp);
  }
  return info;
}

/** One hop from the value of a Received field. Never throws; unknown parts stay undefined. */
export function parseReceived(value: string): ReceivedHop {
  const raw = value.length > MAX_RECEIVED_CHARS ? value.slice(0, MAX_RECEIVED_CHARS) : value;
  const hop: ReceivedHop = { raw };
  const semi = raw.lastIndexOf(';');
  const body = semi >= 0 ? raw.slice(0, semi) : raw;
  if (semi >= 0) {
    const date = parseMailDate(raw.slice(semi + 1));
    if (date) hop.date = date;
  }
  const parts = clauses(body);
  const from = parts.get('from');
  if (from) {
    const f = readFrom(from);
    if (f.helo) hop.from = f.helo;
    if (f.rdns) hop.fromRdns = f.rdns;
    if (f.ip) hop.fromIp = f.ip;
  }
  const by = parts.get('by')?.words[0];
  if (by) hop.by = by.replace(/\.$/, '').toLowerCase();
  const withWords = parts.get('with')?.words;
  if (withWords && withWords.length > 0) hop.with = withWords.join(' ');
  const id = parts.get('id')?.words[0];
  if (id) hop.id = id;
  const rcpt = parts.get('for')?.words[0];
  if (rcpt) hop.for = rcpt.replace(/^<|>$/g, '');
  return hop;
}
