// Finds URLs and e-mail addresses in message text, HTML links and URL-bearing headers, normalised and deduplicated (RFC 3986 via WHATWG URL, RFC 2369 List-* headers).
import { domainToUnicode } from 'node:url';
import { decodeHTML } from 'entities';
import type { FoundUrl } from './model.ts';

/** More URLs than this in one message add nothing a check can use; the rest are dropped. */
export const MAX_URLS = 1000;
/** Same bound for e-mail addresses found in bodies. */
export const MAX_EMAILS = 1000;
/** Longest URL kept; longer ones are cut (redirect chains in query strings can be huge). */
export const MAX_URL_CHARS = 8 * 1024;
/** Attribute text looked at per tag, so a tag with no `>` cannot make the scan quadratic. */
const MAX_TAG_ATTR_CHARS = 4096;
/** Anchor text looked at per link when deciding whether it shows a URL. */
const MAX_ANCHOR_CHARS = 2048;

const TEXT_URL_RE = /\b(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'`{}|\\^[\]\u00a0\u3000]+/gi;
const EMAIL_RE = /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,24}\b/g;
const LINK_TAG_RE = /<(a|area|img|form|iframe|frame|embed|source|input|body|table|td|link)\b([^>]{0,4096})>/gi;
const ATTR_RE = /\b(href|src|action|background)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))/gi;
const SCHEME_RE = /^(?:https?|ftp):\/\//i;
const LOOKS_LIKE_URL_RE = /^(?:(?:https?|ftp):\/\/|www\.)\S+$|^(?:[a-z0-9-]+\.)+[a-z]{2,}(?:\/\S*)?$/i;

/** Trailing characters that end a sentence rather than a URL. */
const TRAILING_PUNCT_RE = /[.,;:!?'"*>]+$/;

/** Bracket pairs a URL may legitimately contain. */
const BRACKETS = [['(', ')'], ['[', ']'], ['{', '}']] as const;

function stripTrailing(url: string): string {
  let u = url.replace(TRAILING_PUNCT_RE, '');
  // A closing bracket belongs to the URL only when the URL opened one: `(see http://x/a_(b))`.
  for (const [open, close] of BRACKETS) {
    while (u.endsWith(close) && u.split(open).length <= u.split(close).length - 1) {
      u = u.slice(0, -1).replace(TRAILING_PUNCT_RE, '');
    }
  }
  return u;
}

/** Absolute URL with scheme, lower-case host in Unicode; undefined when it is not a web URL. */
export function normalizeUrl(found: string): { url: string; host: string; path: string } | undefined {
  let s = stripTrailing(found.trim()).slice(0, MAX_URL_CHARS);
  if (!SCHEME_RE.test(s)) {
    if (!/^www\./i.test(s)) return undefined;
    s = `http://${s}`;
  }
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return undefined;
  }
  if (u.hostname === '') return undefined;
  const ascii = u.hostname.toLowerCase();
  const host = ascii.includes('xn--') ? domainToUnicode(ascii) || ascii : ascii;
  return { url: u.href, host, path: u.pathname + u.search };
}

export interface UrlSources {
  text: string[];
  html: string[];
  /** Values of URL-bearing headers (List-Unsubscribe, List-Help, ...). */
  headers: string[];
}

export interface Extracted {
  urls: FoundUrl[];
  emails: string[];
}

class Collector {
  /** Scanning text for e-mail addresses is the costliest part of the text pass; callers that only want URLs skip it. */
  readonly textEmails: boolean;
  urls: FoundUrl[] = [];
  emails: string[] = [];
  private seenUrls = new Set<string>();
  private seenEmails = new Set<string>();

  constructor(textEmails: boolean) {
    this.textEmails = textEmails;
  }

  /** Normalised form of each distinct string seen: mail repeats its links, and URL parsing is the dear part. */
  private normalized = new Map<string, ReturnType<typeof normalizeUrl>>();

  url(found: string, source: FoundUrl['source'], displayed?: string): void {
    if (this.urls.length >= MAX_URLS) return;
    let n = this.normalized.get(found);
    if (n === undefined && !this.normalized.has(found)) {
      n = normalizeUrl(found);
      this.normalized.set(found, n);
    }
    if (!n) return;
    const key = `${n.url}\0${displayed ?? ''}`;
    if (this.seenUrls.has(key)) return;
    this.seenUrls.add(key);
    const item: FoundUrl = { url: n.url, host: n.host, path: n.path, source };
    if (displayed !== undefined) item.displayed = displayed;
    this.urls.push(item);
  }

  email(addr: string): void {
    const e = addr.toLowerCase();
    if (this.emails.length >= MAX_EMAILS || this.seenEmails.has(e)) return;
    this.seenEmails.add(e);
    this.emails.push(e);
  }

  fromText(text: string, source: FoundUrl['source']): void {
    for (const m of text.matchAll(TEXT_URL_RE)) {
      if (this.urls.length >= MAX_URLS) break;
      this.url(m[0], source);
    }
    if (this.textEmails) this.emailsFromText(text);
  }

  emailsFromText(text: string): void {
    if (text.includes('@')) for (const m of text.matchAll(EMAIL_RE)) this.email(m[0]);
  }

  fromHtml(html: string): void {
    let lower: string | undefined;
    const close: CloseCache = { from: -1, at: -1 };
    for (const m of html.matchAll(LINK_TAG_RE)) {
      if (this.urls.length >= MAX_URLS) break;
      const tag = m[1].toLowerCase();
      for (const a of m[2].slice(0, MAX_TAG_ATTR_CHARS).matchAll(ATTR_RE)) {
        const attr = a[2] ?? a[3] ?? a[4] ?? '';
        const value = (attr.includes('&') ? decodeHTML(attr) : attr).trim();
        if (/^mailto:/i.test(value)) {
          const addr = value.slice(7).split('?')[0];
          for (const e of decodeURIComponentSafe(addr).matchAll(EMAIL_RE)) this.email(e[0]);
          continue;
        }
        let displayed: string | undefined;
        if (tag === 'a' && a[1].toLowerCase() === 'href') {
          lower ??= html.toLowerCase();
          displayed = anchorText(html, lower, (m.index ?? 0) + m[0].length, close);
        }
        this.url(value, 'html', displayed);
      }
    }
  }
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Where the last search for `</a` started and what it found (-1: none after that point). */
interface CloseCache {
  from: number;
  at: number;
}

/**
 * The visible text of the anchor starting at `from`, when that text itself looks like a URL.
 * Anchors come in document order, so the last `</a` found is reused while it lies ahead: without
 * that, thousands of unclosed anchors each searched the rest of the document (quadratic).
 */
function anchorText(html: string, lower: string, from: number, close: CloseCache): string | undefined {
  if (close.from < 0 || from < close.from || (close.at >= 0 && close.at < from)) {
    close.from = from;
    close.at = lower.indexOf('</a', from);
  }
  const end = close.at;
  const inner = html.slice(from, end < 0 ? Math.min(html.length, from + MAX_ANCHOR_CHARS) : Math.min(end, from + MAX_ANCHOR_CHARS));
  const text = decodeHTML(inner.replace(/<[^>]*>/g, '')).replace(/\s+/g, ' ').trim();
  return LOOKS_LIKE_URL_RE.test(text) ? text : undefined;
}

/**
 * Every URL and body e-mail address in `src`, in order of discovery: HTML links, text, headers.
 * With `textEmails` false, `emails` holds only the HTML `mailto:` addresses (cheap) and
 * `moreEmails` adds the ones in the text later; `urls` is the same either way.
 */
export function extractUrls(src: UrlSources, textEmails = true): Extracted {
  const c = new Collector(textEmails);
  for (const h of src.html) c.fromHtml(h);
  for (const t of src.text) c.fromText(t, 'text');
  for (const h of src.headers) {
    for (const m of h.matchAll(TEXT_URL_RE)) c.url(m[0], 'header');
  }
  return { urls: c.urls, emails: c.emails };
}

/** `emails` (from `extractUrls(src, false)`) followed by the addresses in `text`, deduplicated and capped as `extractUrls` does. */
export function moreEmails(emails: readonly string[], text: readonly string[]): string[] {
  const c = new Collector(true);
  for (const e of emails) c.email(e);
  for (const t of text) c.emailsFromText(t);
  return c.emails;
}
