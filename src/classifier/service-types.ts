// The store-backed classifier service every user of Bayes goes through: the scanner check, the controller's learn endpoints and the CLI.

import type { Classification, Thresholds } from './types.ts';
import type { LearnOutcome, TokenClass, TokenTotals } from '../storage/interfaces.ts';
import type { ParsedMessage } from '../mime/model.ts';

export type BayesModelName = 'logistic' | 'robinson-fisher';

export interface BayesVerdict extends Classification {
  /** False until the namespace has learned the configured minimum of spam and ham; then probability is 0.5 and verdict 'unsure'. */
  active: boolean;
  /** Why inactive, e.g. `learned 3 spam / 12 ham; needs 20 of each`. */
  reason?: string;
  nspam: number;
  nham: number;
  model: BayesModelName;
  /** Namespace whose statistics were used: the user's, or undefined for the site-wide one (also when a user's own is not active yet). */
  user?: string;
  /** Distinct tokens (features) of the message. */
  tokens: number;
}

/** `too-few-tokens`: the message had fewer tokens than the configured minimum and was not learned (rspamd answers 204). */
export type BayesLearnOutcome = LearnOutcome | 'too-few-tokens';

export interface BayesRequestOptions {
  /** Per-user statistics namespace (when per-user statistics are enabled); undefined = site-wide. */
  user?: string;
}

export interface BayesLearnOptions extends BayesRequestOptions {
  /** +1 learns (default), -1 unlearns. */
  delta?: 1 | -1;
  /**
   * `explicit` (default): a person's or an admin's training; the logistic model always takes a step, so a
   * correction has effect. `auto`: autolearn; the thick-threshold rule skips messages the model already
   * gets right with margin (they are still recorded as learned).
   */
  mode?: 'explicit' | 'auto';
}

/** One namespace's statistics in the shape the controller's `statfiles` and `winnow bayes stats` report. */
export interface BayesStats extends TokenTotals {
  model: BayesModelName;
  backend: 'sqlite' | 'redis' | 'memory';
  user?: string;
  /** Tokens (Robinson-Fisher) or non-zero weight buckets (logistic) held. */
  used: number;
  /** Most tokens / buckets the namespace may hold. */
  total: number;
  signatures: number;
  /** Namespaces in the store ('' is the site-wide one). */
  users: number;
}

/**
 * Learns of one namespace gathered into batches: each learn is computed against everything learned before it in
 * the session (committed or not), so a model trained batch by batch is the one trained message by message; a
 * commit writes the batch as one store transaction (whole or not at all).
 */
export interface BayesLearnSession {
  /** Tokenizes and queues one message; a message with too few tokens is not queued. */
  add(message: ParsedMessage, cls: TokenClass, opts?: Omit<BayesLearnOptions, 'user'>): Promise<'queued' | 'too-few-tokens'>;
  /** Messages queued since the last commit. */
  readonly pending: number;
  /** Writes the queued learns; their outcomes in queue order. After a failed commit the session must not be used again. */
  commit(): Promise<LearnOutcome[]>;
}

export interface BayesLearnSessionOptions extends BayesRequestOptions {
  /** About how many messages will be learned: many against a small namespace load it into memory first. */
  expectedMessages?: number;
}

/** Classifies many messages: reads the store per message at first and switches to an in-memory snapshot once that is cheaper. */
export interface BayesBulkClassifier {
  classify(message: ParsedMessage, opts?: BayesRequestOptions): Promise<BayesVerdict>;
}

export interface BayesService {
  readonly model: BayesModelName;
  readonly thresholds: Readonly<Thresholds>;
  /** Fewest distinct tokens a message must have to be learned or classified. */
  readonly minTokens: number;
  classify(message: ParsedMessage, opts?: BayesRequestOptions): Promise<BayesVerdict>;
  /** Learns (delta +1) or unlearns (delta -1) one message; learning a message known as the other class moves it. */
  learn(message: ParsedMessage, cls: TokenClass, opts?: BayesLearnOptions): Promise<BayesLearnOutcome>;
  /** A batched learning session for `winnow learn` (the daemon's learns stay one commit each). */
  learnSession(opts?: BayesLearnSessionOptions): Promise<BayesLearnSession>;
  /**
   * For `winnow classify -B`: verdicts as `classify` gives them, without a store read per message once many are
   * classified. `expectedMessages`: at least this many will come (a snapshot may then be loaded at once).
   */
  bulkClassifier(opts?: { expectedMessages?: number }): BayesBulkClassifier;
  /** Stable signature of a message (so the same message is never counted twice). */
  signature(message: ParsedMessage): string;
  /** Distinct tokens the classifier sees in the message. */
  tokenCount(message: ParsedMessage): number;
  /**
   * The namespace for a request when per-user statistics are on: Deliver-To, else the recipient when there is
   * exactly one, lower-cased; undefined (site-wide) when per-user statistics are off or no single user is known.
   */
  userFor(envelope: { deliverTo?: string; rcptTo?: readonly string[] }): string | undefined;
  totals(opts?: BayesRequestOptions): Promise<TokenTotals>;
  stats(opts?: BayesRequestOptions): Promise<BayesStats>;
}
