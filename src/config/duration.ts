// Durations in config: a number of seconds, or a string with a unit (`500ms`, `30s`, `25m`, `4h`, `36d`, `2w`), validated to milliseconds.

import { z } from 'zod';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION_TEXT = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/i;
const HINT = 'expected a duration: seconds as a number, or a string like 500ms, 30s, 25m, 4h, 36d';

/** `25m` → 1_500_000; a bare number is seconds. Undefined when the text is not a duration. */
export function parseDuration(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : undefined;
  const m = DURATION_TEXT.exec(value);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNIT_MS[(m[2] ?? 's').toLowerCase()]);
}

/** Zod schema of a duration; the parsed value is whole milliseconds. */
export const duration = z.union([z.number(), z.string()], { error: HINT }).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: HINT });
    return z.NEVER;
  }
  return ms;
});

/** Inverse of parseDuration for messages and docs: the largest unit that divides exactly (`90000` → `90s`, `1500000` → `25m`). */
export function formatDuration(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}
