// Online logistic regression over hashed binary features, the method of the best TREC 2007 spam filters (Cormack & Lynam; Goodman & Yih, "Online Discriminative Spam Filter Training", CEAS 2006).
import type { Classification, SpamModel, Thresholds, TokenWeight } from './types.ts';
import { TOP_TOKENS, verdictFor } from './types.ts';

export interface LogisticParams {
  /** log2 of the weight-vector length: 2^bits float32 buckets (2^20 = 4 MiB). */
  bits: number;
  /** Step size of each gradient update. */
  rate: number;
  /**
   * Thick-threshold training: a message is learned only when the model's probability for its true
   * class is below this (1 learns everything; 0.5 is train-on-error).
   */
  trainBelow: number;
  /** Scale each feature by 1/sqrt(feature count), so long messages do not take bigger steps. */
  normalize: boolean;
}

export const DEFAULT_LOGISTIC_PARAMS: Readonly<LogisticParams> = Object.freeze({ bits: 22, rate: 10, trainBelow: 0.95, normalize: true });

/** Cut-offs on the probability; see bench/accuracy for how they were chosen. */
export const LOGISTIC_THRESHOLDS: Readonly<Thresholds> = Object.freeze({ spam: 0.9, ham: 0.5 });

/** Largest |log-odds| computed, so exp() never overflows and a probability is never exactly 0 or 1. */
const MAX_LOG_ODDS = 30;
const MIN_BITS = 8;
const MAX_BITS = 28;

/** 32-bit FNV-1a over the string's UTF-16 code units: cheap, and spreads short similar tokens well. */
export function hashToken(token: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < token.length; i++) {
    h ^= token.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** Throws a RangeError unless `bits` is a supported weight-vector size. */
export function checkBits(bits: number): void {
  if (!Number.isInteger(bits) || bits < MIN_BITS || bits > MAX_BITS) throw new RangeError(`bits must be an integer in ${MIN_BITS}..${MAX_BITS}`);
}

/** Keeps log-odds in ±MAX_LOG_ODDS. */
export function clampLogOdds(z: number): number {
  return Math.max(-MAX_LOG_ODDS, Math.min(MAX_LOG_ODDS, z));
}

/** Bucket of each token in a 2^bits weight vector, same order; colliding tokens keep their multiplicity. */
export function bucketsOf(tokens: readonly string[], bits: number): Int32Array {
  const mask = (1 << bits) - 1;
  const out = new Int32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) out[i] = hashToken(tokens[i]) & mask;
  return out;
}

/** Factor every feature of an n-feature message is scaled by. */
export function featureScale(n: number, normalize: boolean): number {
  return normalize && n > 0 ? 1 / Math.sqrt(n) : 1;
}

/**
 * The gradient step one learn takes given the model's current probability `p`, before feature scaling;
 * 0 when the thick-threshold rule skips it (only learns are skipped: an unlearn always steps). `force`
 * ignores the threshold, so an explicit correction always moves the model.
 */
export function learnStep(p: number, isSpam: boolean, delta: 1 | -1, params: LogisticParams, force = false): number {
  if (delta > 0 && !force && (isSpam ? p : 1 - p) >= params.trainBelow) return 0;
  return delta * params.rate * ((isSpam ? 1 : 0) - p);
}

export class OnlineLogistic implements SpamModel {
  readonly name: string;
  readonly params: LogisticParams;
  thresholds: Thresholds;
  /** The whole model: what a store would keep is this vector (plus `bias` and `learned`). */
  readonly weights: Float32Array;
  bias = 0;
  /** Messages that caused an update. */
  updates = 0;

  constructor(params: Partial<LogisticParams> = {}, thresholds: Thresholds = LOGISTIC_THRESHOLDS, name = 'logistic') {
    this.params = { ...DEFAULT_LOGISTIC_PARAMS, ...params };
    checkBits(this.params.bits);
    this.weights = new Float32Array(1 << this.params.bits);
    this.thresholds = { ...thresholds };
    this.name = name;
  }

  private buckets(tokens: readonly string[]): Int32Array {
    return bucketsOf(tokens, this.params.bits);
  }

  private scale(n: number): number {
    return featureScale(n, this.params.normalize);
  }

  private logOdds(idx: Int32Array, scale: number): number {
    let z = 0;
    for (let i = 0; i < idx.length; i++) z += this.weights[idx[i]];
    return clampLogOdds(z * scale + this.bias);
  }

  /**
   * One gradient step toward the true class. delta -1 takes a step of the same size the other way;
   * logistic regression cannot forget exactly, so unlearning is approximate (relearn as the other
   * class instead when a message was misfiled).
   */
  learn(tokens: readonly string[], isSpam: boolean, delta: 1 | -1 = 1): void {
    const idx = this.buckets(tokens);
    const scale = this.scale(idx.length);
    const p = sigmoid(this.logOdds(idx, scale));
    const step = learnStep(p, isSpam, delta, this.params);
    if (step === 0) return;
    const w = step * scale;
    for (let i = 0; i < idx.length; i++) this.weights[idx[i]] += w;
    this.bias += step * scale;
    this.updates++;
  }

  classify(tokens: readonly string[]): Classification {
    const idx = this.buckets(tokens);
    const scale = this.scale(idx.length);
    const z = this.logOdds(idx, scale);
    const probability = sigmoid(z);
    const seen = new Set<number>();
    const contrib: TokenWeight[] = [];
    for (let i = 0; i < idx.length; i++) {
      // Colliding tokens share a bucket; report the bucket once, under its first token.
      if (seen.has(idx[i])) continue;
      seen.add(idx[i]);
      const weight = this.weights[idx[i]] * scale;
      if (weight !== 0) contrib.push({ token: tokens[i], weight });
    }
    contrib.sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight));
    if (contrib.length > TOP_TOKENS) contrib.length = TOP_TOKENS;
    return { probability, score: z, verdict: verdictFor(probability, this.thresholds), topTokens: contrib };
  }
}
