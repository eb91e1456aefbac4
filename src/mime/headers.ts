// Splits the top-level header block into fields, unfolded and RFC 2047-decoded, and finds where the body starts (RFC 5322 §2.2, §3.6; RFC 2047).
import { decodeWords } from 'postal-mime';
import type { HeaderField, MimeAnomaly } from './model.ts';
import { isKnownCharset } from './charset.ts';

/** One unfolded field longer than this is cut: nothing legitimate needs it and every check pays for it. */
export const MAX_FIELD_CHARS = 64 * 1024;

const LF = 0x0a;
const CR = 0x0d;

export interface HeaderBlock {
  fields: HeaderField[];
  /** Byte offset of the first header line (after an mbox `From ` line, when present). */
  headerStart: number;
  /** Byte offset just past the last header byte that was read. */
  headerEnd: number;
  /** Byte offset where the body starts; equals the input length when there is none. */
  bodyStart: number;
  /** The header block ended with an empty line, as RFC 5322 requires when a body follows. */
  separated: boolean;
  anomalies: MimeAnomaly[];
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const latin1 = new TextDecoder('latin1');

/** RFC 6532 allows UTF-8 in headers; anything that is not valid UTF-8 is read byte for byte. */
export function decodeHeaderBytes(bytes: Uint8Array): { text: string; utf8: boolean } {
  try {
    return { text: utf8Strict.decode(bytes), utf8: true };
  } catch {
    return { text: latin1.decode(bytes), utf8: false };
  }
}

/**
 * Length of the field name when `line` starts a field, else 0: field-name is printable ASCII
 * except `:`, and obsolete syntax allows blanks before the colon (`/^[\x21-\x39\x3b-\x7e]+[ \t]*:/`,
 * scanned by hand because it runs on every header line).
 */
function fieldNameLength(line: string): number {
  const n = line.length;
  let i = 0;
  for (; i < n; i++) {
    const c = line.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || c === 0x3a) break;
  }
  if (i === 0) return 0;
  let j = i;
  while (j < n && (line.charCodeAt(j) === 0x20 || line.charCodeAt(j) === 0x09)) j++;
  return j < n && line.charCodeAt(j) === 0x3a ? i : 0;
}

/** Index just past the colon of a field line whose name is `nameLength` long. */
function afterColon(line: string, nameLength: number): number {
  return line.indexOf(':', nameLength) + 1;
}

function isMboxFromLine(raw: Uint8Array): boolean {
  return raw.length > 5 && raw[0] === 0x46 && raw[1] === 0x72 && raw[2] === 0x6f && raw[3] === 0x6d && raw[4] === 0x20;
}

/** Offset of the first byte after the empty line that ends the header, or -1. */
function findSeparator(raw: Uint8Array, from: number): { end: number; bodyStart: number } | null {
  if (raw[from] === LF) return { end: from, bodyStart: from + 1 };
  if (raw[from] === CR && raw[from + 1] === LF) return { end: from, bodyStart: from + 2 };
  let i = from;
  for (;;) {
    const nl = raw.indexOf(LF, i);
    if (nl < 0) return null;
    if (raw[nl + 1] === LF) return { end: nl + 1, bodyStart: nl + 2 };
    if (raw[nl + 1] === CR && raw[nl + 2] === LF) return { end: nl + 1, bodyStart: nl + 3 };
    i = nl + 1;
  }
}

/** Reads the header block of `raw` (at most `maxHeaderBytes` of it). Never throws. */
export function splitHeaderBlock(raw: Uint8Array, maxHeaderBytes: number): HeaderBlock {
  const anomalies: MimeAnomaly[] = [];
  let headerStart = 0;
  // procmail and mbox tools hand messages over with the `From ` envelope line still on top.
  if (isMboxFromLine(raw)) {
    const nl = raw.indexOf(LF);
    headerStart = nl < 0 ? raw.length : nl + 1;
  }
  const sep = findSeparator(raw, headerStart);
  let headerEnd = sep ? sep.end : raw.length;
  let bodyStart = sep ? sep.bodyStart : raw.length;
  if (headerEnd - headerStart > maxHeaderBytes) {
    anomalies.push('HEADER_TOO_LONG');
    headerEnd = headerStart + maxHeaderBytes;
    if (!sep) bodyStart = headerEnd;
  }
  const { text, utf8 } = decodeHeaderBytes(raw.subarray(headerStart, headerEnd));
  const lines = text.split('\n');
  // A trailing newline leaves one empty string that is not a line.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();

  const fields: HeaderField[] = [];
  let current: string[] | null = null;
  let currentName = '';
  const flush = (): void => {
    if (current) fields.push(makeField(currentName, current, anomalies));
    current = null;
  };
  let consumedChars = 0;
  let cutAt = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    const nameLength = fieldNameLength(line);
    if (nameLength > 0) {
      flush();
      currentName = line.slice(0, nameLength);
      current = [line.slice(afterColon(line, nameLength))];
    } else if ((line.startsWith(' ') || line.startsWith('\t')) && current) {
      current.push(line);
    } else {
      const next = lines[i + 1];
      const nextIsField = next !== undefined && (fieldNameLength(next) > 0 || next === '' || next === '\r');
      if (nextIsField || (i === lines.length - 1 && sep !== null)) {
        // Junk between fields (a stray line, a broken fold): skip it and keep reading.
        if (!anomalies.includes('BAD_HEADER_LINE')) anomalies.push('BAD_HEADER_LINE');
      } else {
        // Two lines in a row that are not fields: the body began without an empty line.
        cutAt = consumedChars;
        break;
      }
    }
    consumedChars += lines[i].length + 1;
  }
  flush();

  let separated = sep !== null;
  if (cutAt >= 0) {
    anomalies.push('MISSING_HEADER_END');
    const cutBytes = utf8 ? Buffer.byteLength(text.slice(0, cutAt)) : cutAt;
    headerEnd = headerStart + cutBytes;
    bodyStart = headerEnd;
    separated = false;
  }
  if (fields.length === 0) anomalies.push('NO_HEADERS');
  return { fields, headerStart, headerEnd, bodyStart, separated, anomalies };
}

/** Strips blanks (space, tab) at both ends, nothing else: `trim()` would also eat NBSP and friends. */
function trimBlanks(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 0x20 || s.charCodeAt(a) === 0x09)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 0x20 || s.charCodeAt(b - 1) === 0x09)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

function makeField(name: string, pieces: string[], anomalies: MimeAnomaly[]): HeaderField {
  let raw = trimBlanks(pieces.length === 1 ? pieces[0] : pieces.join(''));
  if (raw.length > MAX_FIELD_CHARS) {
    raw = raw.slice(0, MAX_FIELD_CHARS);
    if (!anomalies.includes('HEADER_TOO_LONG')) anomalies.push('HEADER_TOO_LONG');
  }
  const value = raw.includes('=?') ? decodeEncodedWords(raw, anomalies) : raw;
  return { name: name.trimEnd(), key: name.trimEnd().toLowerCase(), raw, value };
}

// encoded-word = "=?" charset ["*" language] "?" encoding "?" encoded-text "?="
const ENCODED_WORD_RE = /=\?([^?\s]*)\?([^?\s]*)\?([^?\s]*)\?=/g;
const B_TEXT_RE = /^[A-Za-z0-9+/]*={0,2}$/;
const Q_BAD_ESCAPE_RE = /=(?![0-9A-Fa-f]{2})/;

/** Decodes RFC 2047 words with the parser library and records words it had to guess at. */
export function decodeEncodedWords(raw: string, anomalies: MimeAnomaly[]): string {
  for (const m of raw.matchAll(ENCODED_WORD_RE)) {
    const charset = m[1].split('*')[0];
    const enc = m[2].toUpperCase();
    const payload = m[3];
    if (charset && !isKnownCharset(charset)) {
      if (!anomalies.includes('BAD_CHARSET')) anomalies.push('BAD_CHARSET');
    }
    const bad =
      charset === '' ||
      (enc === 'B' ? payload.length % 4 === 1 || !B_TEXT_RE.test(payload) : enc === 'Q' ? Q_BAD_ESCAPE_RE.test(payload) : true);
    if (bad && !anomalies.includes('BAD_ENCODED_WORD')) anomalies.push('BAD_ENCODED_WORD');
  }
  try {
    return decodeWords(raw);
  } catch {
    if (!anomalies.includes('BAD_ENCODED_WORD')) anomalies.push('BAD_ENCODED_WORD');
    return raw;
  }
}
