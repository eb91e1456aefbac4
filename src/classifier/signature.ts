// The learned-message signature: a digest that stays the same when one message reaches the classifier twice by different paths, so it is never counted twice.
import { createHash } from 'node:crypto';
import type { ParsedMessage } from '../mime/model.ts';

/** Hex digits kept of the SHA-256: 128 bits make an accidental collision between two learned messages negligible. */
export const SIGNATURE_HEX_CHARS = 32;

const SPACE_RUN_RE = /\s+/g;

/** Decoded text with whitespace runs collapsed: re-wrapping and CRLF/LF changes on the way do not change it. */
function normalised(text: string): string {
  return text.replace(SPACE_RUN_RE, ' ').trim();
}

/**
 * Digest of what a reader sees: the decoded plain text, the HTML's text and each non-text part's type and
 * decoded size. Transfer encoding, line endings, re-folding and the trace headers a relay adds do not
 * change it; an edited body does.
 */
export function bodyDigest(msg: ParsedMessage): string {
  const h = createHash('sha256');
  h.update(normalised(msg.text));
  h.update('\x1f');
  h.update(normalised(msg.htmlText));
  for (const p of msg.parts) {
    if (p.contentType.startsWith('multipart/') || (p.contentType.startsWith('text/') && !p.isAttachment)) continue;
    h.update(`\x1f${p.contentType}:${p.size}`);
  }
  return h.digest('hex');
}

/**
 * Signature = SHA-256 over the Message-ID (as written, without angle brackets) and the body digest. The
 * Message-ID alone is not enough (some senders reuse one for every mail, and some mail has none); the body
 * alone would merge different messages with the same text (a one-line "thanks"). Both together identify
 * the message while letting a copy that was relayed again, or re-encoded, match.
 */
export function messageSignature(msg: ParsedMessage): string {
  return createHash('sha256')
    .update(msg.messageId?.trim() ?? '')
    .update('\0')
    .update(bodyDigest(msg))
    .digest('hex')
    .slice(0, SIGNATURE_HEX_CHARS);
}
