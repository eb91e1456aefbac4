// Signature bookkeeping shared by the in-memory token and weight stores: a map of signature → class and day.

import type { TokenClass } from '../interfaces.ts';

/** One namespace's learned signatures. */
export type SignatureMap = Map<string, { cls: TokenClass; day: number }>;

/** Removes the signatures last learned before `beforeDay`; returns how many went. */
export function expireSignatures(sigs: SignatureMap, beforeDay: number): number {
  let removed = 0;
  for (const [sig, s] of sigs) {
    if (s.day < beforeDay) {
      sigs.delete(sig);
      removed++;
    }
  }
  return removed;
}

/** Dump rows of the signatures, in signature order. */
export function* signatureRows(sigs: SignatureMap): Iterable<{ type: 'signature'; sig: string; cls: TokenClass; day: number }> {
  for (const sig of [...sigs.keys()].sort()) {
    const s = sigs.get(sig);
    if (s) yield { type: 'signature', sig, cls: s.cls, day: s.day };
  }
}

/** Sorted names of the namespaces held. */
export function sortedUsers(spaces: ReadonlyMap<string, unknown>): string[] {
  return [...spaces.keys()].sort();
}
