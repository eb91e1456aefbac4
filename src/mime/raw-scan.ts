// Scans the raw body for damage the parser library repairs silently: unclosed or absent boundaries, invalid base64/quoted-printable (RFC 2045 §6, RFC 2046 §5.1).
import type { MimeAnomaly } from './model.ts';

/** Bytes looked at when judging whether a message is binary junk rather than text. */
export const BINARY_SNIFF_BYTES = 4096;
/** Share of control bytes (other than TAB, CR, LF, FF, ESC) above which a message counts as binary. */
export const BINARY_CONTROL_RATIO = 0.1;

const BASE64_BAD_RE = /[^A-Za-z0-9+/=\s]/;
// `=` must start a hex escape or end the line (soft break).
const QP_BAD_RE = /=(?![0-9A-Fa-f]{2}|[ \t]*\r?$)/;
const CTE_RE = /^content-transfer-encoding[ \t]*:[ \t]*([^\s;(]*)/i;

/** NUL bytes anywhere, or mostly control bytes at the start: not something a mail client wrote. */
export function looksBinary(raw: Uint8Array): boolean {
  if (raw.indexOf(0) >= 0) return true;
  const n = Math.min(raw.length, BINARY_SNIFF_BYTES);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const c = raw[i];
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c && c !== 0x1b) control++;
  }
  return n > 0 && control / n > BINARY_CONTROL_RATIO;
}

/**
 * Walks the body line by line. `body` is the raw body as latin1 text, `topEncoding` the
 * top-level Content-Transfer-Encoding, `boundaries` every boundary the part tree declared.
 */
export function scanBody(body: string, topEncoding: string, boundaries: Iterable<string>): MimeAnomaly[] {
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
  while (pos < body.length) {
    let nl = body.indexOf('\n', pos);
    if (nl < 0) nl = body.length;
    const line = body.slice(pos, nl);
    pos = nl + 1;

    if (declared.size > 0 && line.charCodeAt(0) === 0x2d && line.charCodeAt(1) === 0x2d) {
      const token = line.slice(2).replace(/[ \t\r]+$/, '');
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
      if (line === '' || line === '\r') {
        inPartHeader = false;
        encoding = partEncoding;
      } else {
        const m = CTE_RE.exec(line);
        if (m) partEncoding = m[1].toLowerCase();
      }
      continue;
    }
    if (encoding === 'base64') {
      if (BASE64_BAD_RE.test(line)) add('BAD_TRANSFER_ENCODING');
      base64Chars += line.replace(/[^A-Za-z0-9+/=]+/g, '').length;
    } else if (encoding === 'quoted-printable') {
      if (line.includes('=') && QP_BAD_RE.test(line)) add('BAD_TRANSFER_ENCODING');
    }
  }

  // The data stops mid-structure: inside a part's header block, or inside a base64 quantum.
  if (inPartHeader || (encoding === 'base64' && base64Chars % 4 !== 0)) add('TRUNCATED');
  for (const name of declared) {
    if (!lastSeen.has(name)) add('MISSING_BOUNDARY');
    else if (!closed.has(name)) add('UNCLOSED_MULTIPART');
  }
  return found;
}
