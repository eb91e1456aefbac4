// Reference parse: runs postal-mime's own (async) parser over a message and exposes the MIME part tree it builds (RFC 2045/2046); mime-tree.ts must give the same tree, faster.
import PostalMime from 'postal-mime';
import { PostalShapeError } from './mime-tree.ts';
import type { TreeLimits, TreeNode, TreeResult } from './mime-tree.ts';

/**
 * The part of postal-mime 4's internal MimeNode we read. It is not public API: the library's
 * result merges all text parts into one string and drops the tree, but spam checks need each
 * part (type, filename, first bytes) and its position. `isPostalNode` checks this shape at run
 * time and postal-tree.test.ts pins it, so a library upgrade that moves it fails loudly.
 */
interface PostalNode {
  childNodes: PostalNode[];
  contentType: { parsed: { value: string; params: Record<string, string> }; multipart: string | false };
  contentDisposition: { parsed: { value: string; params: Record<string, string> } };
  contentTransferEncoding: { encoding: string };
  headers: { key: string; originalKey: string; value: string }[];
  content: ArrayBuffer | null;
  finalize(): Promise<void>;
  getTextContent(): string;
}

export { PostalShapeError };
export type { TreeLimits, TreeNode, TreeResult };

function isPostalNode(x: unknown): x is PostalNode {
  const n = x as PostalNode;
  return (
    typeof n === 'object' &&
    n !== null &&
    Array.isArray(n.childNodes) &&
    Array.isArray(n.headers) &&
    typeof n.contentType?.parsed?.value === 'string' &&
    typeof n.contentDisposition?.parsed?.value === 'string' &&
    typeof n.contentTransferEncoding?.encoding === 'string' &&
    typeof n.getTextContent === 'function' &&
    typeof n.finalize === 'function'
  );
}

function wrap(node: PostalNode): TreeNode {
  if (!isPostalNode(node)) throw new PostalShapeError('postal-mime MimeNode shape changed');
  const ct = node.contentType;
  return {
    contentType: ct.parsed.value.toLowerCase() || 'text/plain',
    params: ct.parsed.params ?? {},
    disposition: node.contentDisposition.parsed.value.toLowerCase(),
    dispositionParams: node.contentDisposition.parsed.params ?? {},
    transferEncoding: node.contentTransferEncoding.encoding.toLowerCase(),
    multipart: ct.multipart !== false,
    headers: node.headers.map((h) => ({ name: h.originalKey, value: h.value })),
    content: node.content ? new Uint8Array(node.content) : null,
    children: node.childNodes.map(wrap),
    text: () => node.getTextContent(),
  };
}

/**
 * Parses `raw` and returns its part tree. When the library gives up part-way (nesting or header
 * budget exceeded), the nodes read so far are finalized and returned with the error.
 * Throws only PostalShapeError (library internals changed).
 */
export async function parseTree(raw: Uint8Array, limits: TreeLimits): Promise<TreeResult> {
  const parser = new PostalMime({
    maxNestingDepth: limits.maxNestingDepth,
    maxHeadersSize: limits.maxHeadersSize,
    // Embedded messages are walked by parts.ts with our own depth and part limits.
    maxRfc822NestingDepth: 0,
  });
  let error: Error | undefined;
  try {
    await parser.parse(raw);
  } catch (e) {
    error = e instanceof Error ? e : new Error(String(e));
  }
  const root = (parser as unknown as { root?: unknown }).root;
  if (!isPostalNode(root)) throw new PostalShapeError('postal-mime no longer exposes its part tree');
  if (error) {
    try {
      await root.finalize();
    } catch {
      // Keep whatever content the nodes hold; a partial tree beats none.
    }
  }
  return { root: wrap(root), error };
}
