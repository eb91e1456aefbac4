// Turns a score into an action using thresholds (rspamd defaults: reject 15, add header 6, greylist 4).

import { ACTIONS, THRESHOLD_ACTIONS, type Action, type Thresholds } from './types.ts';

export const DEFAULT_THRESHOLDS: Thresholds = {
  reject: 15,
  'soft reject': null,
  'rewrite subject': null,
  'add header': 6,
  greylist: 4,
};

/** The most severe action whose threshold the score reaches; `no action` otherwise. */
export function actionForScore(score: number, thresholds: Thresholds): Action {
  for (const a of THRESHOLD_ACTIONS) {
    const limit = thresholds[a];
    if (limit !== null && score >= limit) return a;
  }
  return 'no action';
}

/** The threshold the scan reports as `required_score`: reject, else the highest configured one. */
export function requiredScore(thresholds: Thresholds): number {
  if (thresholds.reject !== null) return thresholds.reject;
  const set = THRESHOLD_ACTIONS.map((a) => thresholds[a]).filter((v): v is number => v !== null);
  return set.length ? Math.max(...set) : 0;
}

export function severity(action: Action): number {
  return ACTIONS.indexOf(action);
}

/** Thresholds must rise with severity, or a lower score would pick a harsher action than a higher one. */
export function validateThresholds(t: Thresholds): string | undefined {
  let prev: { action: string; value: number } | undefined;
  for (const a of [...THRESHOLD_ACTIONS].reverse()) {
    const v = t[a];
    if (v === null) continue;
    if (!Number.isFinite(v)) return `threshold for '${a}' must be a finite number, got ${v}`;
    if (prev && v < prev.value) return `threshold for '${a}' (${v}) is below '${prev.action}' (${prev.value}); thresholds must rise with severity`;
    prev = { action: a, value: v };
  }
  return undefined;
}
