// Limits and small rules every backend shares, so memory, SQLite and Redis behave the same.

import { WinnowError } from '../errors.ts';
import type { PageRequest, PruneOptions } from './interfaces.ts';

export const DEFAULT_HISTORY_SIZE = 1000;
export const DEFAULT_MAX_TOKENS = 1_000_000;
export const MS_PER_DAY = 86_400_000;
export const DEFAULT_STALE_DAYS = 30;
export const DEFAULT_RARE_MAX = 1;
export const DEFAULT_SIGNATURE_MAX_AGE_DAYS = 365;
/** A namespace over maxTokens is trimmed to this share of it, so trimming is not paid on every learn. */
export const PRUNE_TARGET_RATIO = 0.95;
/** Expired entries a write removes on the way (amortised expiry without a timer). */
export const SWEEP_BATCH = 16;
/** Greylist writes sweep in chunks: every this many writes, SWEEP_BATCH keys for each (see SweepSchedule). */
export const SWEEP_EVERY_WRITES = 16;

/**
 * When a store's writes sweep, and how far: each write owes SWEEP_BATCH keys, and every SWEEP_EVERY_WRITES-th
 * write sweeps what is owed. The sweep's own statements (SQLite) or commands (Redis, inside the write's Lua script)
 * cost more than the keys they walk, and a greylist sighting per policy request paid them every time.
 */
export class SweepSchedule {
  #owed = 0;

  /** Keys the current write is to sweep: 0, or everything owed once a chunk is due. */
  take(): number {
    this.#owed += SWEEP_BATCH;
    if (this.#owed < SWEEP_BATCH * SWEEP_EVERY_WRITES) return 0;
    const keys = this.#owed;
    this.#owed = 0;
    return keys;
  }
}
/** Rows one prune/expire step touches; Redis runs one Lua call per step so it never blocks long. */
export const PRUNE_BATCH = 1000;
/** Rows per page of a TokenStore/WeightStore scan: big pages are cheap (one statement or reply each) yet bound memory. */
export const SCAN_PAGE = 16_384;
export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 10_000;

export function dayOf(ms: number): number {
  return Math.floor(ms / MS_PER_DAY);
}

/** '' names the site-wide namespace. */
export function namespaceOf(user: string | undefined): string {
  return user ?? '';
}

export function uniqueTokens(tokens: string[]): string[] {
  return [...new Set(tokens)];
}

export function trimTarget(maxTokens: number): number {
  return Math.floor(maxTokens * PRUNE_TARGET_RATIO);
}

export interface ResolvedPrune {
  day: number;
  staleBeforeDay: number;
  rareMax: number;
  signatureBeforeDay: number;
}

/** Tokens with lastSeenDay < staleBeforeDay and spam+ham <= rareMax go; signatures with day < signatureBeforeDay go. */
export function resolvePrune(opts: PruneOptions = {}): ResolvedPrune {
  const day = dayOf(opts.now ?? Date.now());
  return {
    day,
    staleBeforeDay: day - (opts.staleDays ?? DEFAULT_STALE_DAYS),
    rareMax: opts.rareMax ?? DEFAULT_RARE_MAX,
    signatureBeforeDay: day - (opts.signatureMaxAgeDays ?? DEFAULT_SIGNATURE_MAX_AGE_DAYS),
  };
}

export function pageOf(req: PageRequest = {}): { offset: number; limit: number } {
  const offset = Math.max(0, Math.floor(req.offset ?? 0));
  const limit = Math.min(MAX_PAGE_LIMIT, Math.max(0, Math.floor(req.limit ?? DEFAULT_PAGE_LIMIT)));
  return { offset, limit };
}

export function assertTime(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new WinnowError('ERR_INVALID_ARGUMENT', `${name} must be a non-negative whole number of milliseconds, got ${value}`);
  }
}

export function assertRate(ratePerSec: number, burst: number, cost: number): void {
  if (!(ratePerSec > 0) || !Number.isFinite(ratePerSec)) {
    throw new WinnowError('ERR_INVALID_ARGUMENT', `ratePerSec must be > 0, got ${ratePerSec}`);
  }
  if (!(burst > 0) || !Number.isFinite(burst)) throw new WinnowError('ERR_INVALID_ARGUMENT', `burst must be > 0, got ${burst}`);
  if (!(cost >= 0) || !Number.isFinite(cost)) throw new WinnowError('ERR_INVALID_ARGUMENT', `cost must be >= 0, got ${cost}`);
}

export function assertTokens(tokens: string[]): void {
  for (const t of tokens) {
    if (typeof t !== 'string' || t === '') throw new WinnowError('ERR_INVALID_ARGUMENT', 'tokens must be non-empty strings');
  }
}
