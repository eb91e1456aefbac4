// Judges a message's Date header against the scan clock (RFC 5322 §3.6.1: the origination date is when the message was ready to send).

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Below full weight, a stale date still counts at least this much: just over the limit is already odd. */
export const PAST_MIN_MULTIPLIER = 0.3;

export interface DateLimits {
  /** Hours ahead of the clock a Date may be before it counts as future-dated. */
  future_hours: number;
  /** Hours behind the clock a Date may be before it counts as stale. */
  past_hours: number;
  /** Days behind the clock at which the stale-date symbol reaches full weight. */
  past_full_weight_days: number;
}

export type DateVerdict =
  | { kind: 'ok' }
  | { kind: 'future'; hours: number }
  | { kind: 'past'; hours: number; multiplier: number };

/**
 * Compares `date` with `nowMs`. Staleness scales on a log axis from the limit (PAST_MIN_MULTIPLIER)
 * to `past_full_weight_days` (1.0): queued or slow mail lands just over the limit, forged dates years off.
 */
export function judgeDate(date: Date, nowMs: number, limits: DateLimits): DateVerdict {
  const delta = date.getTime() - nowMs;
  if (delta > limits.future_hours * HOUR_MS) return { kind: 'future', hours: delta / HOUR_MS };
  const age = -delta;
  const limitMs = limits.past_hours * HOUR_MS;
  if (age <= limitMs) return { kind: 'ok' };
  const fullMs = Math.max(limits.past_full_weight_days * DAY_MS, limitMs * 2);
  const span = Math.log(fullMs / limitMs);
  const progress = Math.min(1, Math.log(age / limitMs) / span);
  return { kind: 'past', hours: age / HOUR_MS, multiplier: PAST_MIN_MULTIPLIER + (1 - PAST_MIN_MULTIPLIER) * progress };
}

/** Option text for a date offset: `3h` below two days, `12d` above. */
export function describeOffset(hours: number): string {
  return hours < 48 ? `${Math.round(hours)}h` : `${Math.round(hours / 24)}d`;
}
