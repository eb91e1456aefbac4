// Token-bucket arithmetic shared by the memory and SQLite rate stores (Redis runs the same rules in Lua).

import type { RateDecision } from './interfaces.ts';

export interface BucketState {
  /** Tokens in the bucket at updatedAt; fractional. */
  tokens: number;
  updatedAt: number;
}

export interface BucketStep {
  decision: RateDecision;
  state: BucketState;
  /** Milliseconds until the bucket is full again; 0 means the state equals a fresh bucket and can be dropped. */
  ttlMs: number;
}

/** A missing state is a full bucket; time running backwards (clock skew between hosts) refills nothing. */
export function takeFromBucket(
  prev: BucketState | undefined,
  ratePerSec: number,
  burst: number,
  now: number,
  cost: number,
): BucketStep {
  const elapsedMs = prev ? Math.max(0, now - prev.updatedAt) : 0;
  const level = prev ? Math.min(burst, prev.tokens + (elapsedMs * ratePerSec) / 1000) : burst;
  let tokens = level;
  let decision: RateDecision;
  if (cost <= level) {
    tokens = level - cost;
    decision = { allowed: true, remaining: Math.floor(tokens), retryAfterMs: 0 };
  } else {
    const retryAfterMs = cost > burst ? Number.POSITIVE_INFINITY : Math.ceil(((cost - level) * 1000) / ratePerSec);
    decision = { allowed: false, remaining: Math.floor(level), retryAfterMs };
  }
  const ttlMs = Math.ceil(((burst - tokens) * 1000) / ratePerSec);
  return { decision, state: { tokens, updatedAt: now }, ttlMs };
}
