// Splits a message into its MIME part tree synchronously (RFC 2045, RFC 2046 §5.1): own line and boundary walk and transfer decoding, postal-mime's MimeNode for each part's header grammar and charsets.
import PostalMime from 'postal-mime';
import { decodeBase64, decodeIdentity, decodeQuotedPrintable } from './transfer-decode.ts';

export interface TreeNode {
  /** Lower-cased `type/subtype`. */
  contentType: string;
  params: Record<string, string>;
  /** Lower-cased disposition token, '' when the part has none. */
  disposition: string;
  dispositionParams: Record<string, string>;
  /** Lower-cased transfer-encoding token, '' when absent. */
  transferEncoding: string;
  multipart: boolean;
  headers: { name: string; value: string }[];
  /** Decoded body bytes (transfer encoding removed); null for multipart containers. */
  content: Uint8Array | null;
  children: TreeNode[];
  /** Body decoded to text with the declared charset (unknown labels fall back to windows-1252). */
  text(): string;
}

export interface TreeLimits {
  maxNestingDepth: number;
  maxHeadersSize: number;
}

export interface TreeResult {
  root: TreeNode;
  /** Why parsing stopped early; the tree holds what had been read by then. */
  error?: Error;
}

/** The parser library's internals no longer look the way this module reads them. */
export class PostalShapeError extends Error {}

/*
 * Why not `PostalMime.parse`: it feeds every line through an async state machine and joins each
 * part's lines through `new Blob(...)` read back asynchronously, which cost ~80 % of its time on the
 * corpus (docs/mime.md has the figures). This module finds lines and boundaries itself, hands only
 * whole byte ranges to the transfer decoders and never awaits. What stays with the library is the
 * intricate part: reading a part's header lines (folding, RFC 2231 parameters, comments, first
 * occurrence wins, multipart/digest defaults, nesting limit) and decoding text with charset aliases
 * and format=flowed — through its internal MimeNode class, whose shape `nodeClass()` checks.
 */

interface LibBoundary {
  value: Uint8Array;
  node: LibNode;
}

/** The stand-in for the PostalMime instance a MimeNode reports its boundary to. */
interface LibOwner {
  boundaries: LibBoundary[];
}

interface LibNodeOptions {
  postalMime: LibOwner;
  parentNode?: LibNode;
  parentMultipartType?: string | false;
  maxNestingDepth: number;
  maxHeadersSize: number;
}

/** The part of postal-mime 4's internal MimeNode this module uses (not public API). */
interface LibNode {
  childNodes: LibNode[];
  parentNode?: LibNode;
  state: string;
  headerLines: string[];
  contentType: { parsed: { value: string; params: Record<string, string> }; multipart: string | false };
  contentDisposition: { parsed: { value: string; params: Record<string, string> } };
  contentTransferEncoding: { encoding: string };
  headers: { key: string; originalKey: string; value: string }[];
  content: ArrayBuffer | Uint8Array | null;
  processHeaders(): void;
  getTextContent(): string;
  setupContentDecoder(transferEncoding: string): void;
}

type TransferKind = 'identity' | 'base64' | 'quoted-printable';

interface LeanNode extends LibNode {
  childNodes: LeanNode[];
  parentNode?: LeanNode;
  transfer: TransferKind;
  /** Byte range of the body in the input; bodyStart is -1 while (or when) only headers were read. */
  bodyStart: number;
  bodyEnd: number;
  closedChildren: number;
}

type LeanNodeClass = new (options: LibNodeOptions) => LeanNode;

const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;
const NEWLINE_DASHES = Buffer.from('\n--');
/** `content-` with every letter lower-cased (`| 0x20` folds ASCII letters; `-` is unchanged by it). */
const CONTENT_PREFIX = Buffer.from('content-');
const EMPTY = new Uint8Array(0);
// Like the library: a BOM at the start of a header line stays a character, it is not swallowed.
const headerDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

let nodeClassCache: LeanNodeClass | PostalShapeError | undefined;

/** postal-mime's MimeNode with the streaming decoder set-up replaced, after checking its shape once. */
function nodeClass(): LeanNodeClass {
  if (nodeClassCache === undefined) nodeClassCache = buildNodeClass();
  if (nodeClassCache instanceof PostalShapeError) throw nodeClassCache;
  return nodeClassCache;
}

function buildNodeClass(): LeanNodeClass | PostalShapeError {
  try {
    const root = (new PostalMime() as unknown as { root?: object }).root;
    const Base = root?.constructor as (new (options: LibNodeOptions) => LibNode) | undefined;
    const proto = Base?.prototype as Partial<LibNode> | undefined;
    if (
      typeof Base !== 'function' ||
      typeof proto?.processHeaders !== 'function' ||
      typeof proto.getTextContent !== 'function' ||
      typeof proto.setupContentDecoder !== 'function'
    ) {
      return new PostalShapeError('postal-mime no longer exposes its MimeNode class');
    }
    const Lean = class extends Base {
      transfer: TransferKind = 'identity';
      bodyStart = -1;
      bodyEnd = -1;
      closedChildren = 0;
      // Content is cut out of the input and decoded in one go (transfer-decode.ts), so the
      // library's line-by-line decoders are never built.
      override setupContentDecoder(transferEncoding: string): void {
        this.transfer = /base64/i.test(transferEncoding) ? 'base64' : /quoted-printable/i.test(transferEncoding) ? 'quoted-printable' : 'identity';
      }
    } as unknown as LeanNodeClass;
    return probe(Lean) ? Lean : new PostalShapeError('postal-mime MimeNode shape changed');
  } catch (e) {
    return new PostalShapeError(`postal-mime MimeNode unusable: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Runs one header block through the class and checks every field this module reads. */
function probe(Lean: LeanNodeClass): boolean {
  const owner: LibOwner = { boundaries: [] };
  const node = new Lean({ postalMime: owner, maxNestingDepth: 2, maxHeadersSize: 1024 });
  node.headerLines.push('Content-Type: multipart/mixed;', ' boundary="b1"', 'Content-Transfer-Encoding: Base64', 'Content-Disposition: inline; filename=a.txt');
  node.processHeaders();
  const b = owner.boundaries[0];
  return (
    node.state === 'header' &&
    Array.isArray(node.childNodes) &&
    node.contentType.multipart === 'mixed' &&
    node.contentType.parsed.value === 'multipart/mixed' &&
    node.contentType.parsed.params.boundary === 'b1' &&
    node.contentDisposition.parsed.value === 'inline' &&
    node.contentDisposition.parsed.params.filename === 'a.txt' &&
    node.contentTransferEncoding.encoding === 'base64' &&
    node.transfer === 'base64' &&
    node.headers[0]?.originalKey === 'Content-Type' &&
    node.headers[0]?.value === 'multipart/mixed; boundary="b1"' &&
    b?.node === node &&
    b.value instanceof Uint8Array &&
    b.value.length === 2
  );
}

/** The open boundary that the line `raw[s, e)` (line break removed) is, innermost first; null when none. */
function matchBoundary(raw: Uint8Array, s: number, e: number, open: LibBoundary[]): { b: LibBoundary; close: boolean } | null {
  if (e - s <= 2 || raw[s] !== DASH || raw[s + 1] !== DASH) return null;
  for (let i = open.length - 1; i >= 0; i--) {
    const b = open[i];
    const v = b.value;
    if (e - s < v.length + 2) continue;
    let same = true;
    for (let j = 0; j < v.length; j++) {
      if (raw[s + 2 + j] !== v[j]) {
        same = false;
        break;
      }
    }
    if (!same) continue;
    let end = s + 2 + v.length;
    const close = e - s >= v.length + 4 && raw[end] === DASH && raw[end + 1] === DASH;
    if (close) end += 2;
    // RFC 2046 allows blanks after the delimiter; anything else makes the line content.
    let blanksOnly = true;
    for (let j = end; j < e; j++) {
      if (raw[j] !== 0x20 && raw[j] !== 0x09) {
        blanksOnly = false;
        break;
      }
    }
    if (blanksOnly) return { b, close };
  }
  return null;
}

function finalize(node: LeanNode, owner: LibOwner): void {
  if (node.state === 'finished') return;
  if (node.state === 'header') node.processHeaders();
  const open = owner.boundaries;
  for (let i = open.length - 1; i >= 0; i--) {
    if (open[i].node === node) {
      open.splice(i, 1);
      break;
    }
  }
  finalizeChildren(node, owner);
  node.state = 'finished';
}

function finalizeChildren(node: LeanNode, owner: LibOwner): void {
  while (node.closedChildren < node.childNodes.length) finalize(node.childNodes[node.closedChildren++], owner);
}

function decodeBody(node: LeanNode, raw: Uint8Array): Uint8Array {
  if (node.bodyStart < 0) return EMPTY;
  if (node.transfer === 'base64') return decodeBase64(raw, node.bodyStart, node.bodyEnd);
  if (node.transfer === 'quoted-printable') return decodeQuotedPrintable(raw, node.bodyStart, node.bodyEnd);
  return decodeIdentity(raw, node.bodyStart, node.bodyEnd);
}

function toTreeNode(node: LeanNode, raw: Uint8Array): TreeNode {
  const ct = node.contentType;
  const multipart = ct.multipart !== false;
  const content = multipart ? null : decodeBody(node, raw);
  node.content = content;
  return {
    contentType: ct.parsed.value.toLowerCase() || 'text/plain',
    params: ct.parsed.params ?? {},
    disposition: node.contentDisposition.parsed.value.toLowerCase(),
    dispositionParams: node.contentDisposition.parsed.params ?? {},
    transferEncoding: node.contentTransferEncoding.encoding.toLowerCase(),
    multipart,
    headers: node.headers.map((h) => ({ name: h.originalKey, value: h.value })),
    content,
    children: node.childNodes.map((c) => toTreeNode(c, raw)),
    text: () => (content && content.length > 0 ? node.getTextContent() : ''),
  };
}

/** `content-` at `s` (after leading blanks), any case: the only fields that can decide how a body is read. */
function startsContentField(raw: Uint8Array, s: number, e: number): boolean {
  while (s < e && (raw[s] === 0x20 || raw[s] === 0x09)) s++;
  if (e - s < CONTENT_PREFIX.length) return false;
  for (let i = 0; i < CONTENT_PREFIX.length; i++) if ((raw[s + i] | 0x20) !== CONTENT_PREFIX[i]) return false;
  return true;
}

export interface TreeOptions {
  /**
   * The caller has split the top-level header block already and will not read the root's
   * `headers`: only Content-* fields (with their folded lines) go to the library, and the root's
   * `headers` lists only those. Saves interpreting every Received line twice.
   */
  rootContentFieldsOnly?: boolean;
}

/**
 * Parses `raw` into its part tree. When the nesting or header budget runs out, parsing stops there
 * and the tree read so far comes back with the error. Throws only PostalShapeError.
 */
export function parseTree(raw: Uint8Array, limits: TreeLimits, options: TreeOptions = {}): TreeResult {
  const Node = nodeClass();
  const owner: LibOwner = { boundaries: [] };
  const make = (parent?: LeanNode): LeanNode =>
    new Node({
      postalMime: owner,
      parentNode: parent,
      parentMultipartType: parent ? parent.contentType.multipart : undefined,
      maxNestingDepth: limits.maxNestingDepth,
      maxHeadersSize: limits.maxHeadersSize,
    });
  const root = make();
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const n = raw.length;
  let current = root;
  let headerBytes = 0;
  let keepRootField = false;
  let rootLines = 0;
  let pos = 0;
  let error: Error | undefined;
  try {
    while (pos < n) {
      const inHeader = current.state === 'header';
      let lineStart = pos;
      if (!inHeader) {
        // Body lines only matter when they could be a delimiter, so jump to the next `--` line.
        if (owner.boundaries.length === 0) break;
        if (raw[pos] !== DASH || raw[pos + 1] !== DASH) {
          const hit = buf.indexOf(NEWLINE_DASHES, pos);
          if (hit < 0) break;
          lineStart = hit + 1;
        }
      }
      const lf = raw.indexOf(LF, lineStart);
      const next = lf < 0 ? n : lf + 1;
      let end = lf < 0 ? n : lf;
      while (end > lineStart && raw[end - 1] === CR) end--;
      const m = owner.boundaries.length > 0 ? matchBoundary(raw, lineStart, end, owner.boundaries) : null;
      if (m) {
        if (current.state === 'body') current.bodyEnd = lineStart;
        // Where parsing stops if the part this delimiter opens is one level too deep.
        pos = lineStart;
        if (m.close) {
          finalize(m.b.node as LeanNode, owner);
          current = (m.b.node as LeanNode).parentNode ?? root;
        } else {
          finalizeChildren(m.b.node as LeanNode, owner);
          current = make(m.b.node as LeanNode);
        }
        pos = next;
        continue;
      }
      pos = next;
      if (!inHeader) continue;
      if (end === lineStart) {
        current.state = 'body';
        current.processHeaders();
        current.bodyStart = next;
        continue;
      }
      headerBytes += end - lineStart;
      if (headerBytes > limits.maxHeadersSize) {
        pos = lineStart;
        throw new Error(`Maximum header size of ${limits.maxHeadersSize} bytes exceeded`);
      }
      if (current === root && options.rootContentFieldsOnly) {
        // A line starting with a blank continues the field before it (or starts the block).
        const fold = raw[lineStart] === 0x20 || raw[lineStart] === 0x09;
        const firstLine = rootLines++ === 0;
        if (!fold || firstLine) keepRootField = startsContentField(raw, lineStart, end);
        if (!keepRootField) continue;
      }
      current.headerLines.push(headerDecoder.decode(raw.subarray(lineStart, end)));
    }
    pos = n;
  } catch (e) {
    error = e instanceof Error ? e : new Error(String(e));
  }
  if (current.state === 'body' && current.bodyEnd < 0) current.bodyEnd = Math.min(pos, n);
  // Like the library, a parse that saw no line at all leaves the root's headers uninterpreted.
  if (n > 0) finalize(root, owner);
  return { root: toTreeNode(root, raw), error };
}
