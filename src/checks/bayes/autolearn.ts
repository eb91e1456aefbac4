// Autolearn: learns a message from the scanner's own verdict when its score is clearly spam or clearly ham, keeping the classes balanced.

import type { ScanResult } from '../../core/types.ts';
import type { TokenClass, TokenTotals } from '../../storage/interfaces.ts';

/** Symbols of the classifier itself; their score is left out so the classifier does not teach itself its own opinion. */
export const BAYES_SCORED_SYMBOLS = ['BAYES_SPAM', 'BAYES_HAM'] as const;

export interface AutolearnRule {
  spam_score: number;
  ham_score: number;
  balance_ratio: number;
}

export type AutolearnDecision = { cls: TokenClass; score: number } | { cls: undefined; why: string };

/** The score autolearn judges by: the scan's score without the Bayes symbols (as SpamAssassin's autolearn does). */
export function scoreWithoutBayes(result: ScanResult): number {
  let score = result.score;
  for (const s of BAYES_SCORED_SYMBOLS) score -= result.symbols[s]?.score ?? 0;
  return score;
}

/**
 * Which class to learn, if any. A forced action (GTUBE, a hard whitelist) says nothing about the content,
 * so it is never learned from.
 */
export function autolearnClass(result: ScanResult, rule: AutolearnRule): AutolearnDecision {
  if (result.forced) return { cls: undefined, why: `action forced by ${result.forced.module}` };
  const score = scoreWithoutBayes(result);
  if (score >= rule.spam_score) return { cls: 'spam', score };
  if (score <= rule.ham_score) return { cls: 'ham', score };
  return { cls: undefined, why: `score ${score} between ${rule.ham_score} and ${rule.spam_score}` };
}

/**
 * False when learning one more `cls` message would make that class more than `ratio` times the other:
 * (n + 1) / (m + 1) > ratio, n and m the class's and the other class's learned counts before this learn
 * (the +1 on m lets an empty database start: up to `ratio` messages of one class before the other).
 */
export function keepsBalance(cls: TokenClass, t: TokenTotals, ratio: number): boolean {
  const mine = cls === 'spam' ? t.nspam : t.nham;
  const other = cls === 'spam' ? t.nham : t.nspam;
  return (mine + 1) / (other + 1) <= ratio;
}
