// bogofilter-compatible verdict lines: the `X-Bogosity: Spam, tests=winnow, spamicity=…, version=…` value, the terse form, the exit codes, and inserting the header at the end of a message's header block (RFC 5322 §2.1, LF or CRLF as the message uses).

import type { Verdict } from '../classifier/types.ts';

/** bogofilter's default header name; `--spam-header-name` changes it, as in bogofilter. */
export const DEFAULT_SPAM_HEADER_NAME = 'X-Bogosity';
/** The `tests=` field: procmail recipes match `^X-Bogosity: Spam, tests=winnow`. */
export const TESTS_NAME = 'winnow';
/** bogofilter prints the spamicity with six decimals (`%0.6f`). */
const SPAMICITY_DECIMALS = 6;

/** bogofilter's exit codes (bogofilter(1), RETURN VALUES). */
export const EXIT_SPAM = 0;
export const EXIT_HAM = 1;
export const EXIT_UNSURE = 2;
export const EXIT_ERROR = 3;

const LABEL: Record<Verdict, string> = { spam: 'Spam', ham: 'Ham', unsure: 'Unsure' };
const TERSE: Record<Verdict, string> = { spam: 'S', ham: 'H', unsure: 'U' };

export function exitCodeFor(verdict: Verdict): number {
  return verdict === 'spam' ? EXIT_SPAM : verdict === 'ham' ? EXIT_HAM : EXIT_UNSURE;
}

function spamicity(probability: number): string {
  const p = Number.isFinite(probability) ? Math.min(1, Math.max(0, probability)) : 0.5;
  return p.toFixed(SPAMICITY_DECIMALS);
}

/** The header's value, e.g. `Spam, tests=winnow, spamicity=0.999000, version=0.1.0`. */
export function bogosityValue(verdict: Verdict, probability: number, version: string): string {
  return `${LABEL[verdict]}, tests=${TESTS_NAME}, spamicity=${spamicity(probability)}, version=${version}`;
}

/** bogofilter's invariant terse form (`-T`): `S 0.999000`. */
export function terseValue(verdict: Verdict, probability: number): string {
  return `${TERSE[verdict]} ${spamicity(probability)}`;
}

/** A header field name: printable ASCII without the colon (RFC 5322 §3.6.8). */
export function isFieldName(name: string): boolean {
  return /^[\x21-\x39\x3b-\x7e]+$/.test(name);
}

const LF = 0x0a;
const CR = 0x0d;

/** Does the line at [start, end) (without its line ending) open a header block: a field, or an mbox `From ` envelope line? */
function opensHeader(raw: Uint8Array, start: number, end: number): boolean {
  const line = Buffer.from(raw.buffer, raw.byteOffset + start, end - start).toString('latin1');
  return line.startsWith('From ') || /^[\x21-\x39\x3b-\x7e]+[ \t]*:/.test(line);
}

/**
 * Returns the message with `Name: value` added as the last header line, before the blank line that
 * ends the header block, and every other byte unchanged. The new line uses the line ending of the
 * message's first line. A message with no blank line is all header: the field is appended (after a
 * line ending, if the message lacks a final one). A message whose first line is not a header field
 * has no header block: the field and a blank line go in front, so the text stays the body (an empty
 * first line is an empty header block, and the field alone goes in front).
 */
export function insertHeader(raw: Uint8Array, name: string, value: string): Buffer {
  const firstLf = raw.indexOf(LF);
  const crlf = firstLf > 0 && raw[firstLf - 1] === CR;
  const eol = crlf ? '\r\n' : '\n';
  const field = Buffer.from(`${name}: ${value}${eol}`, 'latin1');
  const input = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);

  const firstEnd = firstLf < 0 ? raw.length : crlf ? firstLf - 1 : firstLf;
  // An empty first line is an empty header block: the field alone fills it.
  if (raw.length > 0 && firstEnd === 0) return Buffer.concat([field, input]);
  if (raw.length === 0 || !opensHeader(raw, 0, firstEnd)) {
    return Buffer.concat([field, Buffer.from(eol, 'latin1'), input]);
  }
  // Find the first empty line: a line ending directly followed by another line ending.
  let pos = 0;
  while (pos < raw.length) {
    const lf = raw.indexOf(LF, pos);
    if (lf < 0) break;
    const next = lf + 1;
    if (raw[next] === LF) return Buffer.concat([input.subarray(0, next), field, input.subarray(next)]);
    if (raw[next] === CR && raw[next + 1] === LF) return Buffer.concat([input.subarray(0, next), field, input.subarray(next)]);
    pos = next;
  }
  const endsWithNewline = raw[raw.length - 1] === LF;
  return Buffer.concat([input, Buffer.from(endsWithNewline ? '' : eol, 'latin1'), field]);
}
