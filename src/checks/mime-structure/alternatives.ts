// Compares the text/plain and text/html children of each multipart/alternative (RFC 2046 §5.1.4: they are meant to say the same thing).

import { htmlToText } from '../../mime/html-text.ts';
import type { MimePart } from '../../mime/model.ts';

/** Words taken from each side; enough to judge, bounded so a huge part costs no more than a small one. */
export const MAX_WORDS_COMPARED = 1000;
/** HTML characters converted per part before words are taken. */
export const MAX_HTML_CHARS_COMPARED = 256 * 1024;
/** Fewer words than this on either side is too little to compare. */
export const MIN_WORDS_COMPARED = 5;

/** Direct children of the part at `index` in the depth-first part list. */
export function childrenOf(parts: readonly MimePart[], index: number): MimePart[] {
  const parent = parts[index];
  const out: MimePart[] = [];
  for (let i = index + 1; i < parts.length && parts[i].depth > parent.depth; i++) {
    if (parts[i].depth === parent.depth + 1) out.push(parts[i]);
  }
  return out;
}

function wordSet(text: string): Set<string> {
  const words = new Set<string>();
  let n = 0;
  for (const m of text.matchAll(/[\p{L}\p{N}]{2,}/gu)) {
    words.add(m[0].toLowerCase());
    if (++n >= MAX_WORDS_COMPARED) break;
  }
  return words;
}

/**
 * Share of the smaller side's distinct words missing from the other side (1 − overlap coefficient),
 * or undefined when either side is too short. The overlap coefficient, not Jaccard: a plain part that
 * summarises a longer HTML newsletter is honest, a plain part about something else is not.
 */
export function textDistance(plain: string, html: string): number | undefined {
  const a = wordSet(plain);
  const b = wordSet(htmlToText(html.slice(0, MAX_HTML_CHARS_COMPARED)));
  if (a.size < MIN_WORDS_COMPARED || b.size < MIN_WORDS_COMPARED) return undefined;
  let shared = 0;
  for (const w of a) if (b.has(w)) shared++;
  return 1 - shared / Math.min(a.size, b.size);
}

/** The largest plain/HTML distance among the message's multipart/alternative containers. */
export function worstAlternativeDistance(parts: readonly MimePart[]): number | undefined {
  let worst: number | undefined;
  for (let i = 0; i < parts.length; i++) {
    if (parts[i].contentType !== 'multipart/alternative') continue;
    const kids = childrenOf(parts, i);
    const plain = kids.find((p) => p.contentType === 'text/plain' && p.text !== undefined);
    const html = kids.find((p) => p.contentType === 'text/html' && p.text !== undefined);
    if (!plain || !html) continue;
    const d = textDistance(plain.text as string, html.text as string);
    if (d !== undefined && (worst === undefined || d > worst)) worst = d;
  }
  return worst;
}
