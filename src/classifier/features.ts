// A message's features as the stored logistic model sees them: each distinct hash bucket once with its token count, and the strongest weights for explanations.

import { bucketsOf, featureScale, type LogisticParams } from './logistic.ts';
import { TOP_TOKENS, type TokenWeight } from './types.ts';

/** A message as the model sees it: each distinct bucket once, with how many of the message's tokens fell in it. */
export interface Features {
  buckets: number[];
  /** Tokens per bucket (colliding tokens add up, as in the in-memory model). */
  mult: number[];
  /** First token that hashed to each bucket, for explanations. */
  token: string[];
  scale: number;
}

/**
 * Open-addressing set of the buckets seen in the message being featurised (bucket + 1, 0 = empty slot):
 * allocated once and cleared slot by slot, several times cheaper than a Map per message. Its size is kept at
 * least twice the token count, so probes stay short.
 */
let slots = new Int32Array(1 << 12);
let slotIndex = new Int32Array(1 << 12);

export function featuresOf(tokens: readonly string[], params: LogisticParams): Features {
  const idx = bucketsOf(tokens, params.bits);
  if (slots.length < idx.length * 2) {
    let n = slots.length;
    while (n < idx.length * 2) n *= 2;
    slots = new Int32Array(n);
    slotIndex = new Int32Array(n);
  }
  const mask = slots.length - 1;
  const f: Features = { buckets: [], mult: [], token: [], scale: featureScale(idx.length, params.normalize) };
  for (let i = 0; i < idx.length; i++) {
    const b = idx[i];
    // Fibonacci hashing spreads nearby bucket numbers over the table.
    let s = Math.imul(b, 0x9e3779b1) >>> 0 & mask;
    while (slots[s] !== 0 && slots[s] !== b + 1) s = (s + 1) & mask;
    if (slots[s] !== 0) {
      f.mult[slotIndex[s]]++;
      continue;
    }
    slots[s] = b + 1;
    slotIndex[s] = f.buckets.length;
    f.buckets.push(b);
    f.mult.push(1);
    f.token.push(tokens[i]);
  }
  // Clear only the slots used (re-probing each bucket finds exactly them).
  for (const b of f.buckets) {
    let s = Math.imul(b, 0x9e3779b1) >>> 0 & mask;
    while (slots[s] !== b + 1) s = (s + 1) & mask;
    slots[s] = 0;
  }
  return f;
}

/**
 * The TOP_TOKENS non-zero contributions with the largest |weight|, strongest first; ties keep message order
 * (what a stable sort of all of them would give, without sorting them all).
 */
export function topTokens(f: Features, weights: ArrayLike<number>): TokenWeight[] {
  const top: TokenWeight[] = [];
  for (let i = 0; i < f.buckets.length; i++) {
    const weight = weights[i] * f.scale;
    if (weight === 0) continue;
    const a = Math.abs(weight);
    if (top.length === TOP_TOKENS && a <= Math.abs(top[TOP_TOKENS - 1].weight)) continue;
    let at = top.length;
    while (at > 0 && Math.abs(top[at - 1].weight) < a) at--;
    top.splice(at, 0, { token: f.token[i], weight });
    if (top.length > TOP_TOKENS) top.length = TOP_TOKENS;
  }
  return top;
}
