// Greylist upsert rules shared by the memory and SQLite backends (redis/lua.ts has them in Lua): seen() and postgrey's sight().

import type { GreylistEntry, GreylistSeen, GreylistSighting, SightTiming } from './interfaces.ts';
import { assertTime } from './rules.ts';

/** The entry after a `seen` of `key` whose live entry (if any) is `prev`. */
export function seenEntry(prev: GreylistEntry | undefined, key: string, now: number, ttlMs: number, minDelayMs: number): GreylistSeen {
  if (!prev) return { key, firstSeen: now, lastSeen: now, passCount: 0, expiresAt: now + ttlMs, created: true };
  return {
    key,
    firstSeen: prev.firstSeen,
    lastSeen: now,
    passCount: prev.passCount + (now - prev.firstSeen >= minDelayMs ? 1 : 0),
    expiresAt: now + ttlMs,
    created: false,
  };
}

export function assertSightTiming(now: number, t: SightTiming): void {
  assertTime('now', now);
  assertTime('delayMs', t.delayMs);
  assertTime('retryWindowMs', t.retryWindowMs);
  assertTime('passTtlMs', t.passTtlMs);
}

/**
 * postgrey's sighting: an entry that never passed is dropped once its retry window closed (even when it was
 * written with a longer life by another configuration); the entry then passes once `delayMs` after its first
 * sighting and lives `passTtlMs` from now, or else lives until the end of its retry window (at least 1 ms).
 */
export function sightEntry(prev: GreylistEntry | undefined, key: string, now: number, t: SightTiming): Omit<GreylistSighting, 'counted'> {
  const taken = prev && !(prev.passCount === 0 && now - prev.firstSeen >= t.retryWindowMs) ? prev : undefined;
  const passes = taken !== undefined && (taken.passCount > 0 || now - taken.firstSeen >= t.delayMs);
  const ttlMs = passes ? t.passTtlMs : taken ? Math.max(1, taken.firstSeen + t.retryWindowMs - now) : t.retryWindowMs;
  const { created, ...entry } = seenEntry(taken, key, now, ttlMs, t.delayMs);
  return { entry, created, previousPassCount: taken?.passCount ?? 0 };
}

/** Whether a sighting is the triplet's first pass, the one that counts towards auto-whitelisting its network. */
export function isFirstPass(s: Omit<GreylistSighting, 'counted'>): boolean {
  return s.entry.passCount === 1 && s.previousPassCount === 0;
}
