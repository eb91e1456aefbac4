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

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
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
  private readonly mask: number;

  constructor(params: Partial<LogisticParams> = {}, thresholds: Thresholds = LOGISTIC_THRESHOLDS, name = 'logistic') {
    this.params = { ...DEFAULT_LOGISTIC_PARAMS, ...params };
    if (!Number.isInteger(this.params.bits) || this.params.bits < MIN_BITS || this.params.bits > MAX_BITS) {
      throw new RangeError(`bits must be an integer in ${MIN_BITS}..${MAX_BITS}`);
    }
    this.weights = new Float32Array(1 << this.params.bits);
    this.mask = (1 << this.params.bits) - 1;
    this.thresholds = { ...thresholds };
    this.name = name;
  }

  private buckets(tokens: readonly string[]): Int32Array {
    const out = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) out[i] = hashToken(tokens[i]) & this.mask;
    return out;
  }

  private scale(n: number): number {
    return this.params.normalize && n > 0 ? 1 / Math.sqrt(n) : 1;
  }

  private logOdds(idx: Int32Array, scale: number): number {
    let z = 0;
    for (let i = 0; i < idx.length; i++) z += this.weights[idx[i]];
    z = z * scale + this.bias;
    return Math.max(-MAX_LOG_ODDS, Math.min(MAX_LOG_ODDS, z));
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
    const target = isSpam ? 1 : 0;
    if (delta > 0 && (isSpam ? p : 1 - p) >= this.params.trainBelow) return;
    const step = delta * this.params.rate * (target - p);
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
