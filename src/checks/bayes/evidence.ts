// Turns a Bayes verdict into the check's evidence: which symbol, the weight multiplier and the options.

import type { BayesVerdict } from '../../classifier/service-types.ts';
import type { Thresholds } from '../../classifier/types.ts';

export type BayesSymbol = 'BAYES_SPAM' | 'BAYES_HAM' | 'BAYES_UNSURE' | 'BAYES_INACTIVE';

export interface Evidence {
  symbol: BayesSymbol;
  multiplier: number;
  options: string[];
}

/** A verdict just past a cut-off scores half the symbol's weight... */
export const MIN_MULTIPLIER = 0.5;
/** ...and a certain one the full weight. */
export const MAX_MULTIPLIER = 1;

/** Where `x` lies between `from` (0) and `to` (1), clamped. */
function position(x: number, from: number, to: number): number {
  if (to === from) return 1;
  return Math.min(1, Math.max(0, (x - from) / (to - from)));
}

/** Probability as the option text: four decimals, enough to tell 0.9 from 0.9999. */
export function probabilityOption(p: number): string {
  return p.toFixed(4);
}

/**
 * Spam band [spam cut-off, 1] and ham band [0, ham cut-off) map linearly onto [0.5, 1] of the symbol's
 * weight, so a message the classifier is barely sure about counts half and one it is certain about counts
 * fully. Between the cut-offs BAYES_UNSURE (weight 0) records the probability; an inactive classifier
 * records why it is inactive in BAYES_INACTIVE (weight 0), so a scan never passes Bayes silently.
 */
export function evidenceFor(v: BayesVerdict, t: Thresholds): Evidence {
  if (!v.active) return { symbol: 'BAYES_INACTIVE', multiplier: 1, options: [v.reason ?? 'inactive'] };
  const p = v.probability;
  const options = [probabilityOption(p)];
  const span = MAX_MULTIPLIER - MIN_MULTIPLIER;
  if (p >= t.spam) return { symbol: 'BAYES_SPAM', multiplier: MIN_MULTIPLIER + span * position(p, t.spam, 1), options };
  if (p < t.ham) return { symbol: 'BAYES_HAM', multiplier: MIN_MULTIPLIER + span * position(t.ham - p, 0, t.ham), options };
  return { symbol: 'BAYES_UNSURE', multiplier: 1, options };
}
