// Flattens a MIME part tree into the depth-first MimePart list, descending into message/rfc822 parts (RFC 2045, RFC 2046 §5.2.1).
import type { HeaderField, MimeAnomaly, MimePart } from './model.ts';
import type { TreeLimits, TreeNode } from './mime-tree.ts';
import { parseTree } from './mime-tree.ts';
import { isKnownCharset } from './charset.ts';
import { decodeEncodedWords } from './headers.ts';

/** Bytes of decoded content kept per part for magic-number sniffing. */
export const PART_HEAD_BYTES = 64;

const KNOWN_TRANSFER_ENCODINGS = new Set(['', '7bit', '8bit', 'binary', 'base64', 'quoted-printable']);

export interface WalkLimits {
  maxMimeDepth: number;
  maxParts: number;
}

export interface WalkResult {
  parts: MimePart[];
  /** Decoded text of inline text/plain parts, in order. */
  plain: string[];
  /** HTML of inline text/html parts, in order. */
  html: string[];
}

function add(anomalies: MimeAnomaly[], code: MimeAnomaly): void {
  if (!anomalies.includes(code)) anomalies.push(code);
}

function toFields(headers: TreeNode['headers'], anomalies: MimeAnomaly[]): HeaderField[] {
  return headers.map((h) => ({
    name: h.name,
    key: h.name.toLowerCase(),
    raw: h.value,
    value: h.value.includes('=?') ? decodeEncodedWords(h.value, anomalies) : h.value,
  }));
}

interface Pending {
  node: TreeNode;
  id: string;
  depth: number;
}

/**
 * Walks `root` depth-first. Parts deeper than `maxMimeDepth` and parts past `maxParts` are left
 * out (TOO_DEEP, TOO_MANY_PARTS); an embedded message is parsed with `treeLimits` and its tree
 * becomes the child of the message/rfc822 part. Never throws except for PostalShapeError.
 */
export function walkParts(
  root: TreeNode,
  limits: WalkLimits,
  treeLimits: TreeLimits,
  anomalies: MimeAnomaly[],
  /** Already-split top-level fields, used for the root part instead of splitting them again. */
  rootHeaders?: HeaderField[],
): WalkResult {
  const out: WalkResult = { parts: [], plain: [], html: [] };
  const stack: Pending[] = [{ node: root, id: '1', depth: 0 }];
  while (stack.length > 0) {
    const { node, id, depth } = stack.pop() as Pending;
    if (depth > limits.maxMimeDepth) {
      add(anomalies, 'TOO_DEEP');
      continue;
    }
    if (out.parts.length >= limits.maxParts) {
      add(anomalies, 'TOO_MANY_PARTS');
      break;
    }
    const part = describe(node, id, depth, anomalies, node === root ? rootHeaders : undefined);
    out.parts.push(part);

    if (node.multipart) {
      if (!node.params.boundary || node.children.length === 0) add(anomalies, 'MISSING_BOUNDARY');
      for (let i = node.children.length - 1; i >= 0; i--) {
        stack.push({ node: node.children[i], id: `${id}.${i + 1}`, depth: depth + 1 });
      }
      continue;
    }
    if (part.contentType === 'message/rfc822' || part.contentType === 'message/global') {
      if (node.content && node.content.byteLength > 0 && depth + 1 <= limits.maxMimeDepth) {
        const sub = parseTree(node.content, treeLimits);
        if (sub.error) add(anomalies, /depth/i.test(sub.error.message) ? 'TOO_DEEP' : 'PARSE_FAILED');
        stack.push({ node: sub.root, id: `${id}.1`, depth: depth + 1 });
      } else if (node.content && node.content.byteLength > 0) {
        add(anomalies, 'TOO_DEEP');
      }
      continue;
    }
    if (part.text !== undefined && !part.isAttachment) {
      if (part.contentType === 'text/html') out.html.push(part.text);
      else if (part.contentType === 'text/plain') out.plain.push(part.text);
    }
  }
  return out;
}

function describe(
  node: TreeNode,
  id: string,
  depth: number,
  anomalies: MimeAnomaly[],
  headers: HeaderField[] | undefined,
): MimePart {
  const contentType = node.contentType;
  const charset = node.params.charset ? node.params.charset.trim().toLowerCase() : undefined;
  const disposition =
    node.disposition === 'inline' || node.disposition === 'attachment' ? node.disposition : undefined;
  const rawName = node.dispositionParams.filename || node.params.name;
  const filename = rawName ? decodeEncodedWords(rawName, anomalies) : undefined;
  const isText = contentType.startsWith('text/');
  const isInlineText = (contentType === 'text/plain' || contentType === 'text/html') && disposition !== 'attachment';
  const isAttachment = !node.multipart && !contentType.startsWith('message/') && (disposition === 'attachment' || !isInlineText);

  if (!KNOWN_TRANSFER_ENCODINGS.has(node.transferEncoding)) add(anomalies, 'BAD_TRANSFER_ENCODING');
  if (isText && charset !== undefined && !isKnownCharset(charset)) add(anomalies, 'BAD_CHARSET');

  const part: MimePart = {
    id,
    depth,
    contentType,
    size: node.multipart ? 0 : (node.content?.byteLength ?? 0),
    isAttachment,
    headers: headers ?? toFields(node.headers, anomalies),
  };
  if (charset !== undefined) part.charset = charset;
  if (disposition !== undefined) part.disposition = disposition;
  if (filename !== undefined) part.filename = filename;
  if (!node.multipart && node.content && node.content.byteLength > 0) {
    part.head = node.content.slice(0, PART_HEAD_BYTES);
  }
  if (isText && !node.multipart) part.text = node.text();
  return part;
}
