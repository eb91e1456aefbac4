// Accuracy measures for spam filters: (1-ROCA)% as in the TREC spam track (Cormack & Lynam, TREC 2005-2007), error counts at cut-offs, and spam caught at a fixed ham misfiling rate.

export interface Scored {
  /** Larger = spammier. */
  score: number;
  isSpam: boolean;
}

/**
 * Area under the ROC curve: the probability that a random spam scores above a random ham, ties
 * counting one half (the trapezoid through tied points). NaN when either class is empty.
 */
export function rocArea(items: readonly Scored[]): number {
  let nSpam = 0;
  for (const it of items) if (it.isSpam) nSpam++;
  const nHam = items.length - nSpam;
  if (nSpam === 0 || nHam === 0) return NaN;
  const sorted = [...items].sort((a, b) => a.score - b.score);
  // Walk groups of equal score upward; each spam beats every ham below its group and half-beats
  // the ham in its group.
  let hamBelow = 0;
  let wins = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    let spamHere = 0;
    let hamHere = 0;
    while (j < sorted.length && sorted[j].score === sorted[i].score) {
      if (sorted[j].isSpam) spamHere++;
      else hamHere++;
      j++;
    }
    wins += spamHere * (hamBelow + hamHere / 2);
    hamBelow += hamHere;
    i = j;
  }
  return wins / (nSpam * nHam);
}

/** (1-ROCA)%: the area above the ROC curve in percent; lower is better, 0 is a perfect ranking. */
export function oneMinusRocaPercent(items: readonly Scored[]): number {
  return (1 - rocArea(items)) * 100;
}

export interface ErrorCounts {
  ham: number;
  spam: number;
  /** Ham at or above the spam cut-off. */
  falsePositives: number;
  /** Spam below the ham cut-off. */
  falseNegatives: number;
  unsureHam: number;
  unsureSpam: number;
}

export interface CutItem {
  probability: number;
  isSpam: boolean;
}

/** Errors with spam at probability ≥ spamCut, ham below hamCut and unsure between (counted apart). */
export function errorsAt(items: readonly CutItem[], spamCut: number, hamCut: number): ErrorCounts {
  const out: ErrorCounts = { ham: 0, spam: 0, falsePositives: 0, falseNegatives: 0, unsureHam: 0, unsureSpam: 0 };
  for (const it of items) {
    const verdict = it.probability >= spamCut ? 'spam' : it.probability < hamCut ? 'ham' : 'unsure';
    if (it.isSpam) {
      out.spam++;
      if (verdict === 'ham') out.falseNegatives++;
      else if (verdict === 'unsure') out.unsureSpam++;
    } else {
      out.ham++;
      if (verdict === 'spam') out.falsePositives++;
      else if (verdict === 'unsure') out.unsureHam++;
    }
  }
  return out;
}

export interface OperatingPoint {
  /** Messages scoring at or above this are called spam. */
  threshold: number;
  /** Fraction of spam at or above the threshold. */
  spamCaught: number;
  /** Fraction of ham at or above the threshold (never above the allowed rate). */
  hamMisfiled: number;
}

/**
 * The lowest cut-off whose ham misfiling rate is at most `maxHamRate`, and the share of spam it
 * catches. Ties are honoured: a cut-off catches everything with that score, ham included.
 */
export function spamCaughtAtHamRate(items: readonly Scored[], maxHamRate: number): OperatingPoint {
  let nSpam = 0;
  for (const it of items) if (it.isSpam) nSpam++;
  const nHam = items.length - nSpam;
  const allowed = Math.floor(maxHamRate * nHam + 1e-9);
  const sorted = [...items].sort((a, b) => b.score - a.score);
  let best: OperatingPoint = { threshold: Infinity, spamCaught: 0, hamMisfiled: 0 };
  let spam = 0;
  let ham = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j].score === sorted[i].score) {
      if (sorted[j].isSpam) spam++;
      else ham++;
      j++;
    }
    if (ham > allowed) break;
    best = { threshold: sorted[i].score, spamCaught: nSpam ? spam / nSpam : 0, hamMisfiled: nHam ? ham / nHam : 0 };
    i = j;
  }
  return best;
}
