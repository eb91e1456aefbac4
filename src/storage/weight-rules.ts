// Limits and rules the WeightStore backends share (argument checks, trimming plan, prune options), so memory, SQLite and Redis agree.

import { WinnowError } from '../errors.ts';
import type { LearnOutcome, TokenClass, WeightPruneOptions, WeightUpdate } from './interfaces.ts';
import { DEFAULT_SIGNATURE_MAX_AGE_DAYS, DEFAULT_STALE_DAYS, PRUNE_BATCH, dayOf, namespaceOf, trimTarget } from './rules.ts';

/** 2^22 non-zero buckets per namespace by default: the classifier's default hash width. */
export const DEFAULT_MAX_WEIGHT_BUCKETS = 4_194_304;
/** Buckets are unsigned 32-bit hashes. */
export const BUCKET_LIMIT = 2 ** 32;
/** A weight whose absolute value falls below this after an update is deleted rather than kept as (almost) zero. */
export const WEIGHT_EPSILON = 1e-9;
/** prune() default: a stale bucket is dropped when its |weight| is at most this (it barely moves a score). */
export const DEFAULT_MIN_ABS_WEIGHT = 0.01;
/**
 * Buckets one apply removes beyond what the cap forces while a namespace is being trimmed back to
 * trimTarget: bounds the time one apply holds the write lock (SQLite) or the server (Redis).
 */
export const WEIGHT_TRIM_BATCH = PRUNE_BATCH;

/** An update after checking, with duplicate buckets merged. */
export interface CheckedUpdate {
  ns: string;
  buckets: number[];
  deltas: number[];
  biasDelta: number;
  cls: TokenClass;
  delta: 1 | -1;
  sig: string | undefined;
  day: number;
}

function invalid(message: string): never {
  throw new WinnowError('ERR_INVALID_ARGUMENT', message);
}

export function assertBucket(b: unknown): asserts b is number {
  if (typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b >= BUCKET_LIMIT) {
    invalid(`bucket must be an integer in [0, 2^32), got ${String(b)}`);
  }
}

export function assertBuckets(buckets: readonly unknown[]): void {
  if (!Array.isArray(buckets)) invalid('buckets must be an array');
  for (const b of buckets) assertBucket(b);
}

export function assertWeight(name: string, w: unknown): asserts w is number {
  if (typeof w !== 'number' || !Number.isFinite(w)) invalid(`${name} must be a finite number, got ${String(w)}`);
}

/**
 * Checks everything before a backend writes anything. A bucket listed twice gets the sum of its
 * deltas (hash collisions inside one message add up, as in the in-memory model).
 */
export function checkUpdate(u: WeightUpdate): CheckedUpdate {
  if (!Array.isArray(u.buckets) || !Array.isArray(u.deltas)) invalid('buckets and deltas must be arrays');
  if (u.buckets.length !== u.deltas.length) {
    invalid(`buckets and deltas differ in length (${u.buckets.length} vs ${u.deltas.length})`);
  }
  if (u.cls !== 'spam' && u.cls !== 'ham') invalid(`cls must be spam or ham, got ${String(u.cls)}`);
  const delta = u.delta ?? 1;
  if (delta !== 1 && delta !== -1) invalid(`delta must be 1 or -1, got ${String(delta)}`);
  assertWeight('biasDelta', u.biasDelta);
  if (u.sig !== undefined && typeof u.sig !== 'string') invalid('sig must be a string');
  const now = u.now ?? Date.now();
  if (!Number.isFinite(now)) invalid(`now must be a time in milliseconds, got ${String(now)}`);
  for (let i = 0; i < u.buckets.length; i++) {
    assertBucket(u.buckets[i]);
    assertWeight('delta', u.deltas[i]);
  }
  let buckets = [...u.buckets];
  let deltas = [...u.deltas];
  // Classifier updates list each bucket once; only a list with a repeat pays for merging.
  const sorted = Float64Array.from(buckets).sort();
  if (sorted.some((b, i) => i > 0 && b === sorted[i - 1])) {
    const merged = new Map<number, number>();
    for (let i = 0; i < buckets.length; i++) merged.set(buckets[i], (merged.get(buckets[i]) ?? 0) + deltas[i]);
    buckets = [...merged.keys()];
    deltas = [...merged.values()];
  }
  return {
    ns: namespaceOf(u.user),
    buckets,
    deltas,
    biasDelta: u.biasDelta,
    cls: u.cls,
    delta,
    sig: u.sig,
    day: dayOf(now),
  };
}

export interface TrimStep {
  /** Buckets to remove now (oldest day first, then smallest |weight|, then bucket). */
  remove: number;
  /** Whether the namespace is still above trimTarget afterwards (later applies keep trimming). */
  trimming: boolean;
}

/**
 * The trimming rule. Once a namespace holds more than maxBuckets it is trimmed back to 95 % of the
 * cap, WEIGHT_TRIM_BATCH buckets per call (plus whatever keeps it at or under the cap), so trimming is
 * neither paid on every apply nor done in one long stall. `bounded` (prune, load) drops the forced
 * part: those callers loop over batches.
 */
export function trimStep(count: number, maxBuckets: number, trimming: boolean, bounded = false): TrimStep {
  const target = trimTarget(maxBuckets);
  if (count <= maxBuckets && !trimming) return { remove: 0, trimming: false };
  const excess = Math.max(0, count - target);
  const perCall = bounded ? WEIGHT_TRIM_BATCH : Math.max(WEIGHT_TRIM_BATCH, count - maxBuckets);
  const remove = Math.min(excess, perCall);
  return { remove, trimming: count - remove > target };
}

export interface ResolvedWeightPrune {
  staleBeforeDay: number;
  minAbsWeight: number;
  signatureBeforeDay: number;
}

/** Buckets with day < staleBeforeDay and |weight| <= minAbsWeight go; signatures with day < signatureBeforeDay go. */
export function resolveWeightPrune(opts: WeightPruneOptions = {}): ResolvedWeightPrune {
  const day = dayOf(opts.now ?? Date.now());
  const minAbsWeight = opts.minAbsWeight ?? DEFAULT_MIN_ABS_WEIGHT;
  if (!(minAbsWeight >= 0) || !Number.isFinite(minAbsWeight)) invalid(`minAbsWeight must be >= 0, got ${minAbsWeight}`);
  return {
    staleBeforeDay: day - (opts.staleDays ?? DEFAULT_STALE_DAYS),
    minAbsWeight,
    signatureBeforeDay: day - (opts.signatureMaxAgeDays ?? DEFAULT_SIGNATURE_MAX_AGE_DAYS),
  };
}

/** Totals change of one apply: +1 for the class learned, -1 for the class relearned away from or unlearned. */
export function totalsChange(cls: TokenClass, delta: 1 | -1, prev: TokenClass | undefined): { spam: number; ham: number } {
  const out = { spam: 0, ham: 0 };
  if (delta === 1) {
    out[cls] += 1;
    if (prev) out[prev] -= 1;
  } else {
    out[cls] -= 1;
  }
  return out;
}

/**
 * The signature rule (as TokenStore's): `already` and `not-learned` change nothing; an unlearn
 * without a signature is always applied.
 */
export function outcomeOf(u: Pick<CheckedUpdate, 'cls' | 'delta' | 'sig'>, prev: TokenClass | undefined): LearnOutcome {
  if (u.delta === 1) {
    if (prev === u.cls) return 'already';
    return prev ? 'relearned' : 'learned';
  }
  if (u.sig !== undefined && prev !== u.cls) return 'not-learned';
  return 'unlearned';
}
