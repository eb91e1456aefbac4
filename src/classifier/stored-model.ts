// What the Bayes service needs from a model whose statistics live in the store (logistic weights or Robinson-Fisher token counts).

import type { Classification, Thresholds } from './types.ts';
import type { LearnOutcome, TokenClass, TokenNamespace, TokenTotals } from '../storage/interfaces.ts';

export interface StoredLearn {
  delta: 1 | -1;
  sig: string;
  ns: TokenNamespace;
  /** Milliseconds since the epoch. */
  now: number;
  /** Ignore the thick-threshold rule (explicit training). */
  force: boolean;
}

export interface StoredStats extends TokenTotals {
  used: number;
  total: number;
  signatures: number;
}

export interface StoredModel {
  readonly thresholds: Readonly<Thresholds>;
  /** One store read: the classification and the namespace's learned totals. */
  classify(tokens: readonly string[], ns: TokenNamespace): Promise<{ classification: Classification } & TokenTotals>;
  totals(ns: TokenNamespace): Promise<TokenTotals>;
  learn(tokens: readonly string[], cls: TokenClass, opts: StoredLearn): Promise<LearnOutcome>;
  stats(ns: TokenNamespace): Promise<StoredStats>;
  users(): Promise<string[]>;
}
