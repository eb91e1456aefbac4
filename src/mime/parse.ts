// Turns raw message bytes into the ParsedMessage model every check reads; never throws, records damage as anomalies (RFC 5322, RFC 2045-2049).
import type { MimeAnomaly, MimeLimits, ParsedMessage } from './model.ts';
import { DEFAULT_MIME_LIMITS } from './model.ts';
import { splitHeaderBlock } from './headers.ts';
import type { HeaderBlock } from './headers.ts';
import { parseTree } from './mime-tree.ts';
import type { TreeLimits, TreeNode } from './mime-tree.ts';
import { walkParts } from './parts.ts';
import { looksBinary, scanBody } from './raw-scan.ts';
import { Message } from './message.ts';

/**
 * Nesting the parser library may build before it gives up. Deeper than our own depth limit so
 * that TOO_DEEP comes from parts.ts with everything above the limit intact.
 */
const LIBRARY_NESTING_CEILING = 256;
/** Header bytes, all parts together, the library may read: several times our top-level budget. */
const LIBRARY_HEADER_BUDGET_FACTOR = 4;
/**
 * postal-mime's cost grows faster than linearly with the number of parts (5,000 parts ≈ 0.2 s,
 * 20,000 ≈ 1.5 s), so it never sees more delimiter-like lines than this many per allowed part.
 */
const LIBRARY_DELIMITERS_PER_PART = 2;

const latin1 = new TextDecoder('latin1');
const NEWLINE_DASHES = Buffer.from('\n--');

function add(anomalies: MimeAnomaly[], code: MimeAnomaly): void {
  if (!anomalies.includes(code)) anomalies.push(code);
}

/** What the library is given: the header block (fixed up when it had to be) and the body. */
function libraryInput(raw: Uint8Array, hb: HeaderBlock): Uint8Array {
  const intact = hb.separated && hb.headerEnd - hb.headerStart > 0 && !hb.anomalies.includes('HEADER_TOO_LONG');
  if (intact) return raw.subarray(hb.headerStart);
  const head = raw.subarray(hb.headerStart, hb.headerEnd);
  const gap = head.length > 0 && head[head.length - 1] === 0x0a ? '\n' : '\n\n';
  const body = raw.subarray(hb.bodyStart);
  const out = new Uint8Array(head.length + gap.length + body.length);
  out.set(head, 0);
  out.set(new TextEncoder().encode(gap), head.length);
  out.set(body, head.length + gap.length);
  return out;
}

/**
 * Offset of the `max`-th line that could be a MIME delimiter (`--` then something other than
 * dashes or blanks), or -1 when there are fewer. Text rules (`-----`) and `-- ` signatures do not count.
 */
export function nthDelimiterLine(raw: Uint8Array, from: number, max: number): number {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  let count = 0;
  let i = from;
  while (i < raw.length) {
    if (raw[i] !== 0x2d || raw[i + 1] !== 0x2d) {
      // Only lines starting with `--` count: jump straight to the next one.
      const hit = buf.indexOf(NEWLINE_DASHES, i);
      if (hit < 0) break;
      i = hit + 1;
    }
    if (raw[i] === 0x2d && raw[i + 1] === 0x2d) {
      let j = i + 2;
      while (raw[j] === 0x2d) j++;
      const c = raw[j];
      if (j < raw.length && c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a && ++count > max) return i;
    }
    const nl = raw.indexOf(0x0a, i);
    if (nl < 0) break;
    i = nl + 1;
  }
  return -1;
}

function boundariesOf(root: TreeNode): Set<string> {
  const out = new Set<string>();
  const stack: TreeNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as TreeNode;
    if (node.multipart && node.params.boundary) out.add(node.params.boundary);
    for (const c of node.children) stack.push(c);
  }
  return out;
}

function emptyMessage(size: number, anomalies: MimeAnomaly[], rawBody = ''): ParsedMessage {
  return new Message({ size, headers: [], parts: [], plain: [], htmlParts: [], anomalies, rawHeaders: '', rawBody });
}

/** Parses `raw` within `limits`. Resolves for every input, however broken; never rejects. */
export async function parseMessage(raw: Uint8Array, limits?: Partial<MimeLimits>): Promise<ParsedMessage> {
  const size = raw?.byteLength ?? 0;
  try {
    return parseUnsafe(raw ?? new Uint8Array(0), { ...DEFAULT_MIME_LIMITS, ...limits });
  } catch {
    // Last line of defence: a bug or a library surprise must not let a message through unscanned
    // silently, so the checks see PARSE_FAILED and can score it.
    try {
      return emptyMessage(size, ['PARSE_FAILED'], latin1.decode(raw.subarray(0, Math.min(size, DEFAULT_MIME_LIMITS.maxMessageBytes))));
    } catch {
      return emptyMessage(size, ['PARSE_FAILED']);
    }
  }
}

function parseUnsafe(input: Uint8Array, limits: MimeLimits): ParsedMessage {
  const size = input.byteLength;
  const anomalies: MimeAnomaly[] = [];
  if (size === 0) return emptyMessage(0, ['EMPTY_MESSAGE', 'NO_HEADERS']);
  let raw = input;
  if (size > limits.maxMessageBytes) {
    raw = input.subarray(0, limits.maxMessageBytes);
    add(anomalies, 'OVERSIZED');
  }
  if (looksBinary(raw)) add(anomalies, 'BINARY_CONTENT');

  const hb = splitHeaderBlock(raw, limits.maxHeaderBytes);
  for (const a of hb.anomalies) add(anomalies, a);
  const fields = hb.fields;

  const treeLimits: TreeLimits = {
    maxNestingDepth: Math.max(LIBRARY_NESTING_CEILING, limits.maxMimeDepth + 1),
    maxHeadersSize: Math.max(limits.maxHeaderBytes * LIBRARY_HEADER_BUDGET_FACTOR, 2 * 1024 * 1024),
  };
  let libInput = libraryInput(raw, hb);
  const cut = nthDelimiterLine(libInput, 0, limits.maxParts * LIBRARY_DELIMITERS_PER_PART);
  if (cut >= 0) {
    libInput = libInput.subarray(0, cut);
    add(anomalies, 'TOO_MANY_PARTS');
  }
  const tree = parseTree(libInput, treeLimits, { rootContentFieldsOnly: true });
  if (tree.error) add(anomalies, /depth/i.test(tree.error.message) ? 'TOO_DEEP' : /header/i.test(tree.error.message) ? 'HEADER_TOO_LONG' : 'PARSE_FAILED');
  const walked = walkParts(tree.root, limits, treeLimits, anomalies, fields);

  const body = raw.subarray(hb.bodyStart);
  const cteField = fields.find((f) => f.key === 'content-transfer-encoding');
  const topCte = (cteField?.value ?? '').trim().toLowerCase().split(/[\s;(]/)[0];
  for (const a of scanBody(body, topCte, boundariesOf(tree.root))) add(anomalies, a);
  if (anomalies.includes('OVERSIZED')) add(anomalies, 'TRUNCATED');

  return new Message({
    size,
    headers: fields,
    parts: walked.parts,
    plain: walked.plain,
    htmlParts: walked.html,
    anomalies,
    // Copies (plain memcpy): decoded to text only when read, and safe if the caller reuses its buffer.
    rawHeaders: new Uint8Array(raw.subarray(hb.headerStart, hb.headerEnd)),
    rawBody: new Uint8Array(body),
  });
}
