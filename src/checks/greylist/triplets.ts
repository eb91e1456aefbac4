// One greylisting decision per triplet against the store (postgrey's algorithm), and the auto-whitelist counter of a client network.

import type { GreylistSighting, GreylistStore, PassCounter, WhitelistEntry } from '../../storage/interfaces.ts';
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
 * Records a sighting of `key` and says whether it passes: one atomic store operation (`GreylistStore.sight`). A
 * triplet not yet passed lives until `retryWindowMs` after its first sighting (a late first retry starts a new
 * cycle); once passed it lives `maxAgeMs` after it was last seen. The store counts the pass atomically, so two MX
 * hosts sharing a store agree. With `counter` (the auto-whitelist), a first pass also counts for the client network.
 * With `unlessListed` (the client network), a live entry on the store's whitelist is returned instead, in the same
 * store operation, and nothing is recorded.
 */
export async function sightTriplet(
  gl: GreylistStore,
  key: string,
  now: number,
  t: Timing,
  counter?: PassCounter,
  unlessListed?: string,
): Promise<Sighted> {
  const timing = { delayMs: t.delayMs, retryWindowMs: t.retryWindowMs, passTtlMs: t.maxAgeMs };
  let s: GreylistSighting;
  if (unlessListed === undefined) s = await gl.sight(key, now, timing, counter);
  else {
    const r = await gl.sightUnlessListed(unlessListed, key, now, timing, counter);
    if (r.listed) return { listed: r.listed };
    s = r.sighting;
  }
  const passCount = s.counted ? (s.counted.created ? 1 : s.counted.passCount + 1) : undefined;
  if (s.created) return { outcome: { state: 'new', waitMs: t.delayMs }, passCount };
  const e = s.entry;
  if (e.passCount === 0) return { outcome: { state: 'early', waitMs: Math.max(0, e.firstSeen + t.delayMs - now) }, passCount };
  // An entry that had passed before is no first pass, even when this sighting was not counted (one added by hand).
  return { outcome: { state: 'pass', firstPass: e.passCount === 1 && s.previousPassCount === 0, delayedMs: now - e.firstSeen }, passCount };
}

export type Sighted =
  | { listed: WhitelistEntry; outcome?: undefined }
  | {
      listed?: undefined;
      outcome: TripletOutcome;
      /** First passes the client network has now (the counter's sightings), when this one was counted. */
      passCount?: number;
    };

/** The auto-whitelist counter of a client network, kept in the greylist store under its own key. */
export function passCounter(net: string, maxAgeMs: number): PassCounter {
  return { key: awlKey(net), ttlMs: maxAgeMs };
}

/** Reason recorded on whitelist entries the check creates; entries added by hand carry another. */
export const AUTO_WHITELIST_REASON = 'auto-whitelisted';

/**
 * At `passesNeeded` first passes the network goes on the store's whitelist until `maxAgeMs` from now. Only first
 * passes count, so a client must really retry for several sender/recipient pairs: spamware that retries once and
 * then sends in bulk does not get there.
 */
export async function graduate(gl: GreylistStore, net: string, count: number, now: number, maxAgeMs: number, passesNeeded: number): Promise<void> {
  if (count >= passesNeeded) await gl.whitelist.add(net, now + maxAgeMs, `${AUTO_WHITELIST_REASON} after ${count} passes`);
}
