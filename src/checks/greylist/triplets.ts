// One greylisting decision per triplet against the store (postgrey's algorithm), and the auto-whitelist counter of a client network.

import type { GreylistStore } from '../../storage/interfaces.ts';
import { awlKey } from './key.ts';

export interface Timing {
  delayMs: number;
  retryWindowMs: number;
  maxAgeMs: number;
}

export type TripletOutcome =
  | { state: 'new'; waitMs: number }
  | { state: 'early'; waitMs: number }
  /** `firstPass`: this sighting is the retry that got the triplet through; `delayedMs` is how long it was held. */
  | { state: 'pass'; firstPass: boolean; delayedMs: number };

/**
 * Records a sighting of `key` and says whether it passes. A triplet not yet passed lives until `retryWindowMs`
 * after its first sighting (a late first retry starts a new cycle); once passed it lives `maxAgeMs` after it
 * was last seen. The store's `seen` counts the pass atomically, so two MX hosts sharing a store agree.
 */
export async function sightTriplet(gl: GreylistStore, key: string, now: number, t: Timing): Promise<TripletOutcome> {
  let entry = await gl.get(key, now);
  if (entry && entry.passCount === 0 && now - entry.firstSeen >= t.retryWindowMs) {
    // Written with a longer life by another configuration: the window has closed all the same.
    await gl.delete(key);
    entry = undefined;
  }
  const passes = entry !== undefined && (entry.passCount > 0 || now - entry.firstSeen >= t.delayMs);
  const ttlMs = passes ? t.maxAgeMs : entry ? Math.max(1, entry.firstSeen + t.retryWindowMs - now) : t.retryWindowMs;
  const seen = await gl.seen(key, now, ttlMs, t.delayMs);
  if (seen.created) return { state: 'new', waitMs: t.delayMs };
  if (seen.passCount === 0) return { state: 'early', waitMs: Math.max(0, seen.firstSeen + t.delayMs - now) };
  // An entry that had passed before is no first pass, even when this sighting was not counted (one added by hand).
  return { state: 'pass', firstPass: seen.passCount === 1 && (entry?.passCount ?? 0) === 0, delayedMs: now - seen.firstSeen };
}

/** Reason recorded on whitelist entries the check creates; entries added by hand carry another. */
export const AUTO_WHITELIST_REASON = 'auto-whitelisted';

/**
 * Counts one more passed triplet for a client network; at `passesNeeded` the network goes on the store's
 * whitelist until `maxAgeMs` from now. Returns the count. Only first passes count, so a client must really
 * retry for several sender/recipient pairs: spamware that retries once and then sends in bulk does not get there.
 */
export async function countPass(gl: GreylistStore, net: string, now: number, maxAgeMs: number, passesNeeded: number): Promise<number> {
  const s = await gl.seen(awlKey(net), now, maxAgeMs, 0);
  const count = s.created ? 1 : s.passCount + 1;
  if (count >= passesNeeded) await gl.whitelist.add(net, now + maxAgeMs, `${AUTO_WHITELIST_REASON} after ${count} passes`);
  return count;
}
