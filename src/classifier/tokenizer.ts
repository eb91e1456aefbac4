// Turns a parsed message into the set of feature strings the statistical classifiers learn and score: header words prefixed by header name, body and HTML-text words, sparse bigrams (OSB), character n-grams, URL parts and attachment metadata.
import type { ParsedMessage } from '../mime/model.ts';

/** Distinct features kept per message; past this the rest of the message adds nothing (bounds time and store growth). */
export const MAX_TOKENS_PER_MESSAGE = 12_000;
/** Body characters tokenized (text and HTML text each); spam puts its pitch first, and this bounds time on huge mails. */
export const MAX_BODY_CHARS = 256 * 1024;
/** Header value characters tokenized per field. */
export const MAX_HEADER_VALUE_CHARS = 2048;
/** Words shorter than this carry too little meaning (bogofilter uses 3; 2 keeps "ok", "no", "$5"). */
export const MIN_WORD_CHARS = 2;
/** Longer words are hashes, base64 residue or encoded junk: they become one `long:` marker by length. */
export const MAX_WORD_CHARS = 32;
/** URL path segments kept per URL. */
export const MAX_URL_PATH_SEGMENTS = 4;
/** Body characters fed to character n-grams (the TREC 2007 winners looked at the first few kilobytes). */
export const MAX_NGRAM_CHARS = 4096;
/** OSB window: a word is paired with each of the next OSB_WINDOW - 1 words (rspamd and CRM114 use 5). */
export const OSB_WINDOW = 5;

/** Headers whose words are learned, each prefixed by its name; the rest are identifiers or routing noise. */
export const DEFAULT_HEADERS: readonly string[] = [
  'subject', 'from', 'to', 'cc', 'reply-to', 'sender', 'return-path', 'received', 'message-id', 'content-type',
  'x-mailer', 'user-agent', 'list-id', 'precedence', 'organization', 'x-priority', 'x-msmail-priority', 'importance',
  'mime-version', 'content-transfer-encoding', 'in-reply-to', 'references', 'errors-to', 'x-mimeole',
];

export interface TokenizerOptions {
  /** Single words. */
  unigrams: boolean;
  /** Orthogonal sparse bigrams of body words: `a <gap> b` for gaps 1..OSB_WINDOW-1. */
  osb: boolean;
  /** Character n-gram length over the start of the body; 0 turns them off. */
  charNgrams: number;
  /** Which headers are tokenized: a list of lower-cased names, or 'all' (every field but Date-like noise). */
  headers: readonly string[] | 'all';
  /** URL host, parent domains and path segments. */
  urls: boolean;
  /** MIME part types, attachment file extensions and size classes. */
  attachments: boolean;
  /** HTML markup: tag names, attribute names and short presentational attribute values. */
  htmlTags: boolean;
  maxTokens: number;
}

export const DEFAULT_TOKENIZER_OPTIONS: Readonly<TokenizerOptions> = Object.freeze({
  unigrams: true,
  osb: false,
  charNgrams: 0,
  headers: DEFAULT_HEADERS,
  urls: true,
  attachments: true,
  htmlTags: false,
  maxTokens: MAX_TOKENS_PER_MESSAGE,
});

/** Header fields never tokenized even in 'all' mode: values unique per message teach nothing. */
const NOISE_HEADERS = new Set(['date', 'delivery-date', 'x-original-date', 'content-length', 'lines', 'status', 'x-status', 'x-uid', 'x-keywords']);

/**
 * A word: starts with a letter, digit or currency sign and may hold inner `'.-_@` (so "don't",
 * "v1.2", "e-mail", "$100" stay whole). Unicode letters and marks count, so non-Latin scripts tokenize.
 */
const WORD_RE = /[\p{L}\p{N}$€£¥][\p{L}\p{M}\p{N}'._@$€£¥-]*/gu;
/** Characters a word may not end with: sentence punctuation, not part of the word. */
const TRAILING_RE = /['._@-]+$/;
const NON_ASCII_RE = /[^\x00-\x7f]/;
const SPACE_RUN_RE = /\s+/g;

class TokenSink {
  readonly set = new Set<string>();
  readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
  get full(): boolean {
    return this.set.size >= this.max;
  }
  add(token: string): void {
    if (this.set.size < this.max) this.set.add(token);
  }
}

/** Case-folded, NFKC-normalised text (fullwidth letters and ligatures fold to their plain forms). */
export function foldText(text: string): string {
  const lower = text.toLowerCase();
  return NON_ASCII_RE.test(lower) ? lower.normalize('NFKC') : lower;
}

/** ASCII character classes for the fast word scanner: 1 starts or continues a word, 2 only continues one. */
const ASCII_CLASS = new Uint8Array(128);
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789$') ASCII_CLASS[c.charCodeAt(0)] = 1;
for (const c of "'._@-") ASCII_CLASS[c.charCodeAt(0)] = 2;

/** Where words go: the token sink itself, or an array. */
interface WordSink {
  add(word: string): void;
}

/** Length class rather than exact length: near-identical junk lengths should share one feature. */
function longMarker(length: number): string {
  return `long:${Math.min(Math.floor(length / 8) * 8, 128)}`;
}

function addWord(out: WordSink, w: string): void {
  const last = w.charCodeAt(w.length - 1);
  // Only the few trailing punctuation characters need the regex; most words end in a letter.
  if (last === 0x27 || last === 0x2e || last === 0x5f || last === 0x40 || last === 0x2d) w = w.replace(TRAILING_RE, '');
  if (w.length < MIN_WORD_CHARS) return;
  out.add(w.length > MAX_WORD_CHARS ? longMarker(w.length) : w);
}

/**
 * Sends the words of already-folded text to `out`, in order, after length limits. `ascii` says the text has
 * no non-ASCII character (the caller often knows already); a wrong `false` only costs speed.
 */
function scanWords(folded: string, ascii: boolean, out: WordSink): void {
  if (!ascii) {
    for (const m of folded.matchAll(WORD_RE)) addWord(out, m[0]);
    return;
  }
  // Pure ASCII (most mail): a table-driven scan gives the same words as WORD_RE, several times faster; the
  // trailing punctuation is dropped by index and only words that are kept become strings.
  const n = folded.length;
  let i = 0;
  while (i < n) {
    while (i < n && ASCII_CLASS[folded.charCodeAt(i)] !== 1) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && ASCII_CLASS[folded.charCodeAt(i)] !== 0) i++;
    let end = i;
    // The first character is class 1, so this stops after it at the latest.
    while (ASCII_CLASS[folded.charCodeAt(end - 1)] === 2) end--;
    const length = end - start;
    if (length < MIN_WORD_CHARS) continue;
    out.add(length > MAX_WORD_CHARS ? longMarker(length) : folded.slice(start, end));
  }
}

/** Words of already-folded text, in order, after length limits (over-long words become `long:N` markers). */
export function splitWords(folded: string): string[] {
  const out: string[] = [];
  scanWords(folded, !NON_ASCII_RE.test(folded), { add: (w) => out.push(w) });
  return out;
}

function addHeaderTokens(msg: ParsedMessage, opts: TokenizerOptions, sink: TokenSink): void {
  const wanted = opts.headers === 'all' ? undefined : new Set(opts.headers);
  for (const field of msg.headers) {
    if (sink.full) return;
    if (wanted ? !wanted.has(field.key) : NOISE_HEADERS.has(field.key)) continue;
    const prefix = `${field.key}:`;
    if (field.key === 'message-id') {
      // Only the generator's domain is shared between messages; the local part is unique.
      const at = field.value.lastIndexOf('@');
      if (at >= 0) sink.add(prefix + foldText(field.value.slice(at + 1).replace(/[>\s].*$/s, '')));
      continue;
    }
    const value = field.value.length > MAX_HEADER_VALUE_CHARS ? field.value.slice(0, MAX_HEADER_VALUE_CHARS) : field.value;
    const folded = foldText(value);
    scanWords(folded, !NON_ASCII_RE.test(folded), { add: (w) => sink.add(prefix + w) });
  }
  if (wanted?.has('from')) {
    for (const a of msg.from) if (a.domain) sink.add(`from:dom:${a.domain}`);
  }
  if (msg.headers.length === 0) sink.add('meta:no-headers');
}

function addUrlTokens(msg: ParsedMessage, sink: TokenSink): void {
  for (const u of msg.urls) {
    if (sink.full) return;
    if (u.host) {
      // Every parent domain, so a fresh subdomain of a known spam domain is still recognised.
      const labels = u.host.split('.');
      for (let i = 0; i < labels.length - 1; i++) sink.add(`url:${labels.slice(i).join('.')}`);
      if (/^[\d.]+$/.test(u.host) || u.host.includes(':')) sink.add('url:ip-literal');
    }
    const segs = u.path.split(/[/?&=#]+/);
    let kept = 0;
    for (const s of segs) {
      if (s.length === 0) continue;
      if (++kept > MAX_URL_PATH_SEGMENTS) break;
      sink.add(s.length > MAX_WORD_CHARS ? 'urlp:long' : `urlp:${s.toLowerCase()}`);
    }
  }
}

/** Size class as a power of four, so sizes that differ a little share a feature. */
function sizeClass(bytes: number): number {
  return bytes <= 0 ? 0 : Math.floor(Math.log(bytes) / Math.log(4));
}

function addPartTokens(msg: ParsedMessage, sink: TokenSink): void {
  for (const p of msg.parts) {
    if (sink.full) return;
    sink.add(`ct:${p.contentType}`);
    if (p.charset) sink.add(`cs:${p.charset.toLowerCase()}`);
    if (!p.isAttachment) continue;
    sink.add(`att:size:${sizeClass(p.size)}`);
    const name = p.filename?.toLowerCase() ?? '';
    const dot = name.lastIndexOf('.');
    if (dot >= 0 && name.length - dot <= 8) sink.add(`att:ext:${name.slice(dot + 1)}`);
    else if (name) sink.add('att:ext:none');
  }
  for (const a of msg.anomalies) sink.add(`anomaly:${a}`);
}

/** An HTML start tag with its attribute text (bounded so an unclosed tag cannot make the scan quadratic). */
const TAG_RE = /<([a-z][a-z0-9]{0,15})\b([^<>]{0,512})>/gi;
const ATTR_RE = /([a-z-]{1,20})\s*=\s*["']?([^"'\s>]{0,40})/gi;
/** Attributes whose values say how the mail looks (colours, fonts, sizes) rather than where it points. */
const STYLE_ATTRS = new Set(['color', 'bgcolor', 'face', 'size', 'align', 'border', 'width', 'height']);

function addHtmlTokens(html: string, sink: TokenSink): void {
  for (const m of clip(html).matchAll(TAG_RE)) {
    if (sink.full) return;
    const tag = m[1].toLowerCase();
    sink.add(`tag:${tag}`);
    for (const a of m[2].matchAll(ATTR_RE)) {
      const name = a[1].toLowerCase();
      sink.add(STYLE_ATTRS.has(name) ? `tag:${tag}:${name}=${a[2].toLowerCase()}` : `tag:${tag}:${name}`);
    }
  }
}

/** Body words: unigrams straight into the sink; OSB pairs need the word list. */
function addBodyWords(text: string, opts: TokenizerOptions, sink: TokenSink): void {
  const ascii = !NON_ASCII_RE.test(text);
  const folded = foldText(text);
  if (!opts.osb) {
    if (opts.unigrams) scanWords(folded, ascii, sink);
    return;
  }
  const words: string[] = [];
  scanWords(folded, ascii, { add: (w) => words.push(w) });
  if (opts.unigrams) for (const w of words) sink.add(w);
  for (let i = 0; i < words.length && !sink.full; i++) {
    const end = Math.min(words.length, i + OSB_WINDOW);
    for (let j = i + 1; j < end; j++) sink.add(`${words[i]} ${j - i} ${words[j]}`);
  }
}

function addCharNgrams(folded: string, n: number, sink: TokenSink): void {
  const s = folded.slice(0, MAX_NGRAM_CHARS).replace(SPACE_RUN_RE, ' ');
  for (let i = 0; i + n <= s.length && !sink.full; i++) sink.add(`#${s.slice(i, i + n)}`);
}

function clip(text: string): string {
  return text.length > MAX_BODY_CHARS ? text.slice(0, MAX_BODY_CHARS) : text;
}

/** The message's distinct features, in first-seen order, at most `opts.maxTokens` of them. */
export function tokenize(msg: ParsedMessage, options: Partial<TokenizerOptions> = {}): string[] {
  const opts: TokenizerOptions = { ...DEFAULT_TOKENIZER_OPTIONS, ...options };
  const sink = new TokenSink(opts.maxTokens);
  addHeaderTokens(msg, opts, sink);
  if (opts.attachments) addPartTokens(msg, sink);
  if (opts.urls) addUrlTokens(msg, sink);
  if (opts.htmlTags && msg.html) addHtmlTokens(msg.html, sink);
  const text = clip(msg.text);
  const htmlText = clip(msg.htmlText);
  // Body words carry no prefix (they are most of the vocabulary); HTML text is the same language
  // as plain text, so the two share features, as a reader sees them the same way.
  addBodyWords(text, opts, sink);
  addBodyWords(htmlText, opts, sink);
  if (opts.charNgrams > 0) addCharNgrams(foldText(text.length > 0 ? text : htmlText), opts.charNgrams, sink);
  return [...sink.set];
}
