// Scans the raw body for damage the parser library repairs silently: unclosed or absent boundaries, invalid base64/quoted-printable (RFC 2045 §6, RFC 2046 §5.1).
import type { MimeAnomaly } from './model.ts';

/** Bytes looked at when judging whether a message is binary junk rather than text. */
export const BINARY_SNIFF_BYTES = 4096;
/** Share of control bytes (other than TAB, CR, LF, FF, ESC) above which a message counts as binary. */
export const BINARY_CONTROL_RATIO = 0.1;

/** 1 for control bytes other than TAB, LF, FF, CR and ESC (a table lookup beats the comparisons in this hot loop). */
const IS_CONTROL = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) if (c !== 0x09 && c !== 0x0a && c !== 0x0c && c !== 0x0d && c !== 0x1b) IS_CONTROL[c] = 1;

const CTE_RE = /^content-transfer-encoding[ \t]*:[ \t]*([^\s;(]*)/i;
const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;
const NEWLINE_DASHES = Buffer.from('\n--');
// Bodies are read as windows-1252 text (the WHATWG `latin1`), like ParsedMessage.rawBody.
const latin1 = new TextDecoder('latin1');

// Both work on whole stretches of lines at once (a line ends at LF or at the end of the text).
const BASE64_BAD_RE = /[^A-Za-z0-9+/=\s]/;
const BASE64_JUNK_RE = /[^A-Za-z0-9+/=]+/g;
// `=` must start a hex escape or end the line (soft break).
const QP_BAD_RE = /=(?![0-9A-Fa-f]{2}|[ \t]*\r?(?:\n|$))/;

/** NUL bytes anywhere, or mostly control bytes at the start: not something a mail client wrote. */
export function looksBinary(raw: Uint8Array): boolean {
  if (raw.indexOf(0) >= 0) return true;
  const n = Math.min(raw.length, BINARY_SNIFF_BYTES);
  let control = 0;
  for (let i = 0; i < n; i++) control += IS_CONTROL[raw[i]];
  return n > 0 && control / n > BINARY_CONTROL_RATIO;
}

/**
 * Walks the body line by line. `body` is the raw body (bytes, or text whose characters are
 * bytes), `topEncoding` the top-level Content-Transfer-Encoding, `boundaries` every boundary the
 * part tree declared. Only `--` lines, part headers and base64/quoted-printable stretches are
 * decoded to text; plain stretches between delimiters are skipped with a native search.
 */
export function scanBody(body: Uint8Array | string, topEncoding: string, boundaries: Iterable<string>): MimeAnomaly[] {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  const found: MimeAnomaly[] = [];
  const add = (c: MimeAnomaly): void => {
    if (!found.includes(c)) found.push(c);
  };
  const declared = new Set(boundaries);
  const lastSeen = new Set<string>();
  const closed = new Set<string>();

  let encoding = topEncoding;
  // Base64 characters in the current part: a count that is not a multiple of 4 at the end of the
  // data means the last quantum was cut off.
  let base64Chars = 0;
  let inPartHeader = false;
  let partEncoding = '';
  let pos = 0;
  const checkEncoded = (start: number, end: number): void => {
    if (encoding !== 'base64' && encoding !== 'quoted-printable') return;
    const text = latin1.decode(bytes.subarray(start, end));
    if (encoding === 'base64') {
      if (BASE64_BAD_RE.test(text)) add('BAD_TRANSFER_ENCODING');
      base64Chars += text.replace(BASE64_JUNK_RE, '').length;
    } else if (text.includes('=') && QP_BAD_RE.test(text)) {
      add('BAD_TRANSFER_ENCODING');
    }
  };
  while (pos < n) {
    const dashes = declared.size > 0 && bytes[pos] === DASH && bytes[pos + 1] === DASH;
    if (!inPartHeader && !dashes) {
      // Up to the next `--` line nothing changes state, so the stretch is checked in one go
      // (or skipped when it is not encoded).
      const encoded = encoding === 'base64' || encoding === 'quoted-printable';
      if (!encoded && declared.size === 0) break;
      let stretchEnd = n;
      if (declared.size > 0) {
        const hit = buf.indexOf(NEWLINE_DASHES, pos);
        stretchEnd = hit < 0 ? n : hit + 1;
      }
      checkEncoded(pos, stretchEnd);
      pos = stretchEnd;
      continue;
    }
    let nl = bytes.indexOf(LF, pos);
    if (nl < 0) nl = n;
    const s = pos;
    const e = nl;
    pos = nl + 1;

    if (dashes) {
      const token = latin1.decode(bytes.subarray(s + 2, e)).replace(/[ \t\r]+$/, '');
      const isClose = token.endsWith('--') && declared.has(token.slice(0, -2));
      const name = isClose ? token.slice(0, -2) : token;
      if (declared.has(name)) {
        lastSeen.add(name);
        base64Chars = 0;
        if (isClose) {
          closed.add(name);
          encoding = '';
        } else {
          inPartHeader = true;
          partEncoding = '';
        }
        continue;
      }
    }
    if (inPartHeader) {
      if (e === s || (e === s + 1 && bytes[s] === CR)) {
        inPartHeader = false;
        encoding = partEncoding;
      } else if ((bytes[s] | 0x20) === 0x63) {
        const m = CTE_RE.exec(latin1.decode(bytes.subarray(s, e)));
        if (m) partEncoding = m[1].toLowerCase();
      }
      continue;
    }
    // A `--` line that is no delimiter: content of the current part.
    checkEncoded(s, e);
  }

  // The data stops mid-structure: inside a part's header block, or inside a base64 quantum.
  if (inPartHeader || (encoding === 'base64' && base64Chars % 4 !== 0)) add('TRUNCATED');
  for (const name of declared) {
    if (!lastSeen.has(name)) add('MISSING_BOUNDARY');
    else if (!closed.has(name)) add('UNCLOSED_MULTIPART');
  }
  return found;
}
