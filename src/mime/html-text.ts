// Converts HTML mail bodies to the plain text a reader would see: tags, scripts and styles dropped, entities decoded, block elements on their own lines (HTML Living Standard §13 text only).
import { decodeHTML } from 'entities';

/** A tag longer than this (an unclosed quote, a megabyte of attributes) ends at this point. */
export const MAX_TAG_CHARS = 16 * 1024;

/** Elements whose content is never shown as text. */
const SKIP_CONTENT = new Set(['script', 'style', 'title', 'template', 'xml']);

/** Elements that start a new line. */
const BLOCK = new Set([
  'address', 'article', 'aside', 'blockquote', 'br', 'center', 'dd', 'div', 'dl', 'dt', 'fieldset', 'figcaption',
  'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main', 'nav', 'ol', 'p',
  'pre', 'section', 'table', 'tbody', 'thead', 'tfoot', 'tr', 'ul', 'body', 'html',
]);

const SOURCE_NEWLINES_RE = /[\r\n]+/g;

/** Elements that separate cells. */
const CELL = new Set(['td', 'th']);

function isNameChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x3a;
}

/** End of the tag that starts at `lt` (index just past `>`), honouring quoted attribute values. */
function tagEnd(html: string, lt: number): number {
  const limit = Math.min(html.length, lt + MAX_TAG_CHARS);
  let quote = 0;
  for (let i = lt + 1; i < limit; i++) {
    const c = html.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) {
      // A quote only opens a value right after `=` (possibly with blanks); elsewhere it is junk.
      let j = i - 1;
      while (j > lt && (html.charCodeAt(j) === 0x20 || html.charCodeAt(j) === 0x09)) j--;
      if (html.charCodeAt(j) === 0x3d) quote = c;
    } else if (c === 0x3e) {
      return i + 1;
    }
  }
  return limit;
}

/** Turns runs of HTML whitespace into single spaces and keeps at most one empty line in a row. */
function tidy(text: string): string {
  const out: string[] = [];
  let blank = true;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[ \t\r\f\u00a0]+/g, ' ').trim();
    if (line === '') {
      if (!blank) out.push('');
      blank = true;
    } else {
      out.push(line);
      blank = false;
    }
  }
  if (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out.join('\n');
}

/** Visible text of `html`. Never throws; linear in the input. */
export function htmlToText(html: string): string {
  const out: string[] = [];
  let lower: string | undefined;
  let pos = 0;
  while (pos < html.length) {
    const lt = html.indexOf('<', pos);
    // Line breaks in the source are plain whitespace; only elements break lines.
    if (lt < 0) {
      out.push(html.slice(pos).replace(SOURCE_NEWLINES_RE, ' '));
      break;
    }
    if (lt > pos) out.push(html.slice(pos, lt).replace(SOURCE_NEWLINES_RE, ' '));
    const next = html.charCodeAt(lt + 1);
    if (html.startsWith('<!--', lt)) {
      const close = html.indexOf('-->', lt + 4);
      pos = close < 0 ? html.length : close + 3;
      continue;
    }
    const closing = next === 0x2f;
    const nameStart = closing ? lt + 2 : lt + 1;
    if (next === 0x21 || next === 0x3f) {
      // <!DOCTYPE>, <![CDATA[, <?xml ?>: markup, not text.
      pos = tagEnd(html, lt);
      continue;
    }
    let nameEnd = nameStart;
    while (nameEnd < html.length && isNameChar(html.charCodeAt(nameEnd))) nameEnd++;
    if (nameEnd === nameStart) {
      // `a < b` in text is a literal less-than sign.
      out.push('<');
      pos = lt + 1;
      continue;
    }
    const name = html.slice(nameStart, nameEnd).toLowerCase();
    pos = tagEnd(html, lt);
    if (closing) {
      if (BLOCK.has(name)) out.push('\n');
      else if (CELL.has(name)) out.push(' ');
      continue;
    }
    if (SKIP_CONTENT.has(name) && html.charCodeAt(pos - 2) !== 0x2f) {
      lower ??= html.toLowerCase();
      const close = lower.indexOf(`</${name}`, pos);
      pos = close < 0 ? html.length : tagEnd(html, close);
      continue;
    }
    if (BLOCK.has(name)) out.push('\n');
    else if (CELL.has(name)) out.push(' ');
  }
  return tidy(decodeHTML(out.join('')));
}
