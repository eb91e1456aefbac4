// Removes a part's Content-Transfer-Encoding (RFC 2045 §6.7 quoted-printable, §6.8 base64, identity for 7bit/8bit/binary) from a byte range of the message, synchronously.
//
// The results equal what postal-mime 4 produced for the same part (mime-tree.test.ts compares
// them): body lines end at LF, carriage returns at the end of a line are dropped, and every
// line comes out ended by a single LF. Node's native base64 decoder does the bulk work.

const LF = 0x0a;
const CR = 0x0d;
const EQUALS = 0x3d;

/** Characters base64 bodies are made of; everything else (line breaks, junk) is ignored. */
const BASE64_JUNK_RE = /[^A-Za-z0-9+/=]+/g;
const PADDING_RUN_RE = /=+/;

/** A plain Uint8Array over the same memory (a Buffer, or a subarray of one, would leak Buffer's API and semantics). */
function view(b: Uint8Array, start = 0, end = b.byteLength): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset + start, end - start);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** End of the line content starting at `from`: the LF (or `end`) with trailing CRs taken off. */
function contentEnd(raw: Uint8Array, from: number, lf: number): number {
  let e = lf;
  while (e > from && raw[e - 1] === CR) e--;
  return e;
}

/** 7bit / 8bit / binary / unknown encodings: the lines as they are, each ended by LF. */
export function decodeIdentity(raw: Uint8Array, start: number, end: number): Uint8Array {
  if (end <= start) return new Uint8Array(0);
  const crAt = raw.indexOf(CR, start);
  if (crAt < 0 || crAt >= end) {
    // Common case: no carriage returns, so the range already is the result (or lacks only the last LF).
    if (raw[end - 1] === LF) return view(raw, start, end);
    const out = new Uint8Array(end - start + 1);
    out.set(raw.subarray(start, end));
    out[end - start] = LF;
    return out;
  }
  const out = new Uint8Array(end - start + 1);
  let o = 0;
  let pos = start;
  while (pos < end) {
    let lf = raw.indexOf(LF, pos);
    if (lf < 0 || lf >= end) lf = end;
    const e = contentEnd(raw, pos, lf);
    out.set(raw.subarray(pos, e), o);
    o += e - pos;
    out[o++] = LF;
    pos = lf + 1;
  }
  return out.subarray(0, o);
}

/** Quoted-printable: `=XX` escapes decoded, `=` at the end of a line joins it to the next; invalid escapes stay literal. */
export function decodeQuotedPrintable(raw: Uint8Array, start: number, end: number): Uint8Array {
  if (end <= start) return new Uint8Array(0);
  const out = new Uint8Array(end - start + 1);
  let o = 0;
  let pos = start;
  while (pos < end) {
    let lf = raw.indexOf(LF, pos);
    if (lf < 0 || lf >= end) lf = end;
    let e = contentEnd(raw, pos, lf);
    const soft = e > pos && raw[e - 1] === EQUALS;
    if (soft) e--;
    for (let i = pos; i < e; i++) {
      const c = raw[i];
      if (c === EQUALS && i + 2 < e) {
        const hi = hexValue(raw[i + 1]);
        const lo = hi < 0 ? -1 : hexValue(raw[i + 2]);
        if (lo >= 0) {
          out[o++] = (hi << 4) | lo;
          i += 2;
          continue;
        }
      }
      out[o++] = c;
    }
    if (!soft) out[o++] = LF;
    pos = lf + 1;
  }
  return out.subarray(0, o);
}

/** One run of base64 between padding: a lone trailing character cannot make a byte and is dropped. */
function decodeUnit(unit: string): Buffer {
  return Buffer.from(unit.length % 4 === 1 ? unit.slice(0, -1) : unit, 'base64');
}

/**
 * Base64: characters outside the alphabet are ignored, and `=` ends a unit, so bodies where every
 * line carries its own padding decode unit by unit instead of shifting everything after the first pad.
 */
export function decodeBase64(raw: Uint8Array, start: number, end: number): Uint8Array {
  if (end <= start) return new Uint8Array(0);
  const bytes = Buffer.from(raw.buffer, raw.byteOffset + start, end - start);
  // Bytes above 0x7f can never be base64 characters, so reading them as latin1 loses nothing.
  const clean = bytes.toString('latin1').replace(BASE64_JUNK_RE, '');
  const eq = clean.indexOf('=');
  let onlyTrailingPad = eq < 0;
  if (!onlyTrailingPad) {
    let i = eq;
    while (i < clean.length && clean.charCodeAt(i) === EQUALS) i++;
    onlyTrailingPad = i === clean.length;
  }
  if (onlyTrailingPad) return view(decodeUnit(eq < 0 ? clean : clean.slice(0, eq)));
  const chunks: Buffer[] = [];
  for (const unit of clean.split(PADDING_RUN_RE)) if (unit.length > 0) chunks.push(decodeUnit(unit));
  return view(Buffer.concat(chunks));
}
