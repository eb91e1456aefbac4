// What the Bayes service needs from a model whose statistics live in the store (logistic weights or Robinson-Fisher token counts): per-message reads and learns, batched learn sessions and in-memory snapshots.

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

/** A learn inside a session: the session fixes the namespace. */
export type SessionLearn = Omit<StoredLearn, 'ns'>;

/**
 * Learns of one namespace computed in order, each seeing every learn before it in the session (committed or
 * not), and written to the store in batches by commit(): a batch is committed whole or not at all.
 */
export interface StoredLearnSession {
  /** Queues one learn; the logistic model computes its step now. */
  add(tokens: readonly string[], cls: TokenClass, opts: SessionLearn): Promise<void>;
  /** Learns queued since the last commit. */
  readonly pending: number;
  /** Writes the queued learns as one store batch and returns their outcomes in queue order. After a failed commit the session must not be used again. */
  commit(): Promise<LearnOutcome[]>;
}

/** One namespace's statistics held in memory: classifies without reading the store. */
export interface StoredSnapshot extends TokenTotals {
  classify(tokens: readonly string[]): Classification;
}

export interface StoredModel {
  readonly thresholds: Readonly<Thresholds>;
  /** One store read: the classification and the namespace's learned totals. */
  classify(tokens: readonly string[], ns: TokenNamespace): Promise<{ classification: Classification } & TokenTotals>;
  totals(ns: TokenNamespace): Promise<TokenTotals>;
  learn(tokens: readonly string[], cls: TokenClass, opts: StoredLearn): Promise<LearnOutcome>;
  /** `inMemory`: load the namespace first and compute every learn against that copy (worth it for many learns); otherwise each learn reads the store. */
  openSession(ns: TokenNamespace, inMemory: boolean): Promise<StoredLearnSession>;
  /** Loads the namespace into memory (see `size` for what that costs). */
  snapshot(ns: TokenNamespace): Promise<StoredSnapshot>;
  /** Rows a snapshot of the namespace loads: tokens (Robinson-Fisher) or non-zero buckets (logistic). */
  size(ns: TokenNamespace): Promise<number>;
  stats(ns: TokenNamespace): Promise<StoredStats>;
  users(): Promise<string[]>;
}
