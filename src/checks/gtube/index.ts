// The gtube check: the Generic Test for Unsolicited Bulk Email string forces a verdict, so an admin can test the whole path end to end.

import { defineCheck } from '../../core/check.ts';
import type { Action } from '../../core/types.ts';

/** Characters of each body text searched: GTUBE belongs near the top, and a test must stay cheap on huge mail. */
export const GTUBE_SCAN_CHARS = 64 * 1024;

/** Shared head of every GTUBE variant. */
const GTUBE_PREFIX = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-';
const GTUBE_SUFFIX = '*C.34X';

/** The variant's middle part and the action it forces (the standard string plus rspamd's per-action variants). */
const VARIANTS: ReadonlyArray<[tail: string, action: Action]> = [
  ['EMAIL', 'reject'],
  ['ADD-HEADER', 'add header'],
  ['REWRITE-SUBJECT', 'rewrite subject'],
];

/** Longest variant tail plus suffix: what must follow the prefix to decide the variant. */
const MAX_TAIL_CHARS = Math.max(...VARIANTS.map(([t]) => t.length)) + GTUBE_SUFFIX.length;

/** The action a GTUBE string in `text` asks for, or undefined. */
export function findGtube(text: string): Action | undefined {
  const s = text.length > GTUBE_SCAN_CHARS ? text.slice(0, GTUBE_SCAN_CHARS) : text;
  let at = s.indexOf(GTUBE_PREFIX);
  while (at >= 0) {
    const tail = s.slice(at + GTUBE_PREFIX.length, at + GTUBE_PREFIX.length + MAX_TAIL_CHARS);
    for (const [name, action] of VARIANTS) if (tail.startsWith(name + GTUBE_SUFFIX)) return action;
    at = s.indexOf(GTUBE_PREFIX, at + 1);
  }
  return undefined;
}

const symbols = {
  GTUBE: { weight: 0, description: 'GTUBE test string found; the action it names is forced (option: the action)' },
};

export const gtubeCheck = defineCheck<keyof typeof symbols>({
  name: 'gtube',
  description: 'Forces reject / add header / rewrite subject when the GTUBE test string is in the body',
  phase: 'prefilter',
  needsMessage: true,
  symbols,
  run(task) {
    const m = task.message;
    if (!m) return;
    // Decoded texts catch base64/QP-encoded bodies; the raw body catches strings in parts the parser did not treat as text.
    const action = findGtube(m.text) ?? findGtube(m.htmlText) ?? findGtube(m.rawBody);
    if (!action) return;
    task.hit('GTUBE', [action]);
    task.force(action, 'Gtube pattern');
  },
});
