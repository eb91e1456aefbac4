// The interface every statistical spam model implements, so the benchmark, the daemon and the web UI treat them alike.

export type Verdict = 'spam' | 'ham' | 'unsure';

export interface TokenWeight {
  token: string;
  /** Signed push toward spam (positive) or ham (negative), in the model's own units. */
  weight: number;
}

export interface Classification {
  /** Calibrated probability that the message is spam, in [0, 1]. */
  probability: number;
  /**
   * Ranking score, larger = spammier, monotone with `probability` where that is not saturated;
   * it keeps order among messages whose probability rounds to 0 or 1 (ROC needs that).
   */
  score: number;
  verdict: Verdict;
  /** The features that pushed hardest, strongest first (for explanations). */
  topTokens: TokenWeight[];
}

/** Verdict cut-offs on `probability`: spam at or above `spam`, ham below `ham`, unsure between. */
export interface Thresholds {
  spam: number;
  ham: number;
}

export interface SpamModel {
  readonly name: string;
  /** Counts one message's distinct tokens; delta -1 takes a previous learn back. */
  learn(tokens: readonly string[], isSpam: boolean, delta?: 1 | -1): void;
  classify(tokens: readonly string[]): Classification;
  thresholds: Thresholds;
}

/** How many top tokens a classification reports. */
export const TOP_TOKENS = 15;

export function verdictFor(probability: number, t: Thresholds): Verdict {
  if (probability >= t.spam) return 'spam';
  if (probability < t.ham) return 'ham';
  return 'unsure';
}
