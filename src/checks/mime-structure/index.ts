// The mime-structure check: the shape of the MIME tree, attachment names and types, and damage the parser repaired (RFC 2045–2049, RFC 2183).

import { z } from 'zod';
import { defineCheck, type CheckTask } from '../../core/check.ts';
import type { MimeAnomaly, MimePart, ParsedMessage } from '../../mime/model.ts';
import { worstAlternativeDistance } from './alternatives.ts';
import { inspectAttachment } from './attachments.ts';

/** Extensions Windows (or a JVM) runs or mounts on a double-click. */
export const DEFAULT_BAD_EXTENSIONS = [
  'exe', 'scr', 'pif', 'bat', 'cmd', 'com', 'cpl', 'dll', 'js', 'jse', 'vbs', 'vbe', 'wsf', 'wsh', 'wsc', 'hta',
  'jar', 'msi', 'msp', 'lnk', 'reg', 'ps1', 'psm1', 'scf', 'inf', 'chm', 'gadget', 'msc', 'appx', 'msix',
  'application', 'iso', 'img', 'vhd', 'vhdx',
];
export const DEFAULT_ARCHIVE_EXTENSIONS = ['zip', 'rar', '7z', 'gz', 'tgz', 'bz2', 'xz', 'tar', 'ace', 'arj', 'cab', 'lzh', 'z'];

/** At most this many attachments are inspected; a message with more is unusual enough already. */
export const MAX_ATTACHMENTS_INSPECTED = 100;

const configSchema = z
  .object({
    /** Attachment extensions (lower case, no dot) that count as dangerous. */
    bad_extensions: z.array(z.string().min(1)).default(DEFAULT_BAD_EXTENSIONS),
    /** Attachment extensions that count as archives. */
    archive_extensions: z.array(z.string().min(1)).default(DEFAULT_ARCHIVE_EXTENSIONS),
    /** Share (0–1) of the shorter alternative's words missing from the other from which they "differ". */
    parts_differ_ratio: z.number().min(0).max(1).default(0.7),
  })
  .prefault({});

type Config = z.infer<typeof configSchema>;

const symbols = {
  MIME_HTML_ONLY: { weight: 0.5, description: 'Message has HTML but no text/plain alternative' },
  MIME_PARTS_DIFFER: { weight: 1.0, description: 'Text and HTML alternatives say different things (scaled by distance)' },
  MIME_BAD_CONTENT_TYPE: { weight: 1.0, description: 'A part has a malformed or unknown Content-Type' },
  MIME_BAD_EXTENSION: { weight: 4.0, description: 'Attachment with a dangerous file extension' },
  MIME_DOUBLE_BAD_EXTENSION: { weight: 3.0, description: 'Dangerous extension behind a document extension (invoice.pdf.exe)' },
  MIME_ARCHIVE_IN_MESSAGE: { weight: 0.3, description: 'Message carries an archive attachment' },
  MIME_TYPE_EXT_MISMATCH: { weight: 1.5, description: 'Attachment Content-Type does not fit its file extension' },
  MIME_MAGIC_MISMATCH: { weight: 2.0, description: 'Attachment content is of another format than its extension' },
  MIME_HIDDEN_EXECUTABLE: { weight: 5.0, description: 'Attachment is a program but is not named like one' },
  MIME_GOOD: { weight: -0.1, description: 'Simple, well-formed MIME structure' },
  MIME_EMPTY: { weight: 1.0, description: 'Message is empty' },
  MIME_NO_HEADERS: { weight: 2.0, description: 'Message has no header block' },
  MIME_TRUNCATED: { weight: 1.0, description: 'Message ends inside a multipart (truncated)' },
  MIME_OVERSIZED: { weight: 0, description: 'Message exceeded a parser size limit and was read in part' },
  MIME_BINARY_GARBAGE: { weight: 1.5, description: 'Message contains NUL or mostly control bytes' },
  MIME_BAD_HEADER_LINE: { weight: 1.0, description: 'A header line is not a valid field' },
  MIME_MISSING_HEADER_END: { weight: 1.0, description: 'Body starts without the empty line that ends the header' },
  MIME_HEADER_TOO_LONG: { weight: 1.0, description: 'A header field exceeds the length limit' },
  MIME_BAD_ENCODED_WORD: { weight: 0.5, description: 'A header holds a broken RFC 2047 encoded-word' },
  MIME_BAD_BOUNDARY: { weight: 1.5, description: 'A multipart has no boundary or its boundary never occurs' },
  MIME_UNCLOSED_MULTIPART: { weight: 0.5, description: 'A multipart lacks its closing delimiter' },
  MIME_TOO_DEEP: { weight: 2.0, description: 'MIME nesting exceeds the depth limit' },
  MIME_TOO_MANY_PARTS: { weight: 1.0, description: 'MIME part count exceeds the limit' },
  MIME_BAD_TRANSFER_ENCODING: { weight: 1.0, description: 'Unknown Content-Transfer-Encoding or invalid encoded data' },
  MIME_BAD_CHARSET: { weight: 0.5, description: 'A text part declares an unknown charset' },
  MIME_PARSE_FAILED: { weight: 2.0, description: 'The MIME parser failed; checks saw a best-effort model' },
};

type Sym = keyof typeof symbols;

/** Each parser anomaly code has exactly one symbol; the compiler keeps this table complete. */
export const ANOMALY_SYMBOLS: Readonly<Record<MimeAnomaly, Sym>> = {
  EMPTY_MESSAGE: 'MIME_EMPTY',
  NO_HEADERS: 'MIME_NO_HEADERS',
  TRUNCATED: 'MIME_TRUNCATED',
  OVERSIZED: 'MIME_OVERSIZED',
  BINARY_CONTENT: 'MIME_BINARY_GARBAGE',
  BAD_HEADER_LINE: 'MIME_BAD_HEADER_LINE',
  MISSING_HEADER_END: 'MIME_MISSING_HEADER_END',
  HEADER_TOO_LONG: 'MIME_HEADER_TOO_LONG',
  BAD_ENCODED_WORD: 'MIME_BAD_ENCODED_WORD',
  MISSING_BOUNDARY: 'MIME_BAD_BOUNDARY',
  UNCLOSED_MULTIPART: 'MIME_UNCLOSED_MULTIPART',
  TOO_DEEP: 'MIME_TOO_DEEP',
  TOO_MANY_PARTS: 'MIME_TOO_MANY_PARTS',
  BAD_TRANSFER_ENCODING: 'MIME_BAD_TRANSFER_ENCODING',
  BAD_CHARSET: 'MIME_BAD_CHARSET',
  PARSE_FAILED: 'MIME_PARSE_FAILED',
};

/** Top-level media types registered with IANA (RFC 2046 §2, RFC 8081, RFC 9695); `x-` ones are experimental. */
const TOP_LEVEL_TYPES = new Set(['text', 'image', 'audio', 'video', 'application', 'multipart', 'message', 'font', 'model', 'haptics']);
/** RFC 2045 §5.1 token characters. */
const MEDIA_TYPE_RE = /^[a-z0-9!#$%&'*+.^_`|~-]+\/[a-z0-9!#$%&'*+.^_`|~-]+$/;

export const mimeStructureCheck = defineCheck<Sym, Config>({
  name: 'mime-structure',
  description: 'MIME tree shape, dangerous or disguised attachments, text/HTML mismatch and parser-repaired damage',
  phase: 'filter',
  needsMessage: true,
  configSchema,
  symbols,
  run(task, _state, config) {
    const m = task.message;
    if (!m) return;
    for (const a of m.anomalies) task.hit(ANOMALY_SYMBOLS[a]);
    checkContentTypes(task, m);
    checkBodies(task, m, config);
    const attachments = checkAttachments(task, m, config);
    const damaged = Object.keys(symbols).some((s) => s !== 'MIME_GOOD' && task.has(s));
    if (!damaged && attachments === 0 && isSimpleShape(m.parts)) task.hit('MIME_GOOD');
  },
});

function declaredType(part: MimePart): string | undefined {
  const raw = part.headers.find((h) => h.key === 'content-type')?.raw;
  if (raw === undefined) return undefined;
  return raw.split(';', 1)[0].trim().toLowerCase();
}

function checkContentTypes(task: CheckTask<Sym>, m: ParsedMessage): void {
  const bad: string[] = [];
  for (const part of m.parts) {
    const declared = declaredType(part);
    if (declared === undefined) continue;
    const top = declared.slice(0, declared.indexOf('/'));
    if (!MEDIA_TYPE_RE.test(declared) || !(TOP_LEVEL_TYPES.has(top) || top.startsWith('x-'))) {
      bad.push(declared.length > 64 ? `${declared.slice(0, 64)}…` : declared || '(empty)');
    }
  }
  if (bad.length > 0) task.hit('MIME_BAD_CONTENT_TYPE', bad);
}

function checkBodies(task: CheckTask<Sym>, m: ParsedMessage, config: Config): void {
  const inline = m.parts.filter((p) => !p.isAttachment && p.text !== undefined);
  const hasHtml = inline.some((p) => p.contentType === 'text/html');
  const hasPlain = inline.some((p) => p.contentType === 'text/plain');
  if (hasHtml && !hasPlain) task.hit('MIME_HTML_ONLY');
  const distance = worstAlternativeDistance(m.parts);
  if (distance !== undefined && distance >= config.parts_differ_ratio) {
    task.hit('MIME_PARTS_DIFFER', [`${Math.round(distance * 100)}%`], distance);
  }
}

/** Inspects attachments; returns how many there were. */
function checkAttachments(task: CheckTask<Sym>, m: ParsedMessage, config: Config): number {
  const lists = { bad: new Set(config.bad_extensions.map(lower)), archive: new Set(config.archive_extensions.map(lower)) };
  let count = 0;
  for (const part of m.parts) {
    if (!part.isAttachment) continue;
    if (++count > MAX_ATTACHMENTS_INSPECTED) break;
    for (const [symbol, option] of inspectAttachment(part, lists)) task.hit(symbol, [option]);
  }
  return count;
}

/** A single text/plain part, or a multipart/alternative of exactly one text/plain and one text/html. */
function isSimpleShape(parts: readonly MimePart[]): boolean {
  const root = parts[0];
  if (!root) return false;
  if (parts.length === 1) return root.contentType === 'text/plain';
  if (root.contentType !== 'multipart/alternative' || parts.length !== 3) return false;
  const kinds = parts.slice(1).map((p) => p.contentType).sort();
  return kinds[0] === 'text/html' && kinds[1] === 'text/plain';
}

function lower(s: string): string {
  return s.toLowerCase().replace(/^\./, '');
}
