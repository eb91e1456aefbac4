// Config schema of the ratelimit check (`checks.ratelimit`): named token-bucket limits over envelope keys, with rate, burst, action and text.

import { z } from 'zod';

/** Envelope values a bucket key can combine; a limit whose key needs a value the request lacks does not apply. */
export const RATE_KEY_PARTS = ['client_ip', 'sender', 'sender_domain', 'rcpt', 'rcpt_domain', 'user'] as const;
export type RateKeyPart = (typeof RATE_KEY_PARTS)[number];

const UNIT_S: Record<string, number> = { s: 1, sec: 1, second: 1, m: 60, min: 60, minute: 60, h: 3600, hour: 3600, d: 86_400, day: 86_400 };
const RATE_TEXT = /^(\d+(?:\.\d+)?)\s*\/\s*(\d+)?\s*([a-z]+)$/;

/** `10/m`, `100/h`, `5/10min`, `1000/day` or a number of messages per second → messages per second; undefined when invalid. */
export function parseRate(rate: number | string): number | undefined {
  if (typeof rate === 'number') return Number.isFinite(rate) && rate > 0 ? rate : undefined;
  const m = RATE_TEXT.exec(rate.trim().toLowerCase());
  if (!m) return undefined;
  const word = m[3];
  // Plurals (`mins`, `hours`); a two-letter word is never a plural, so `ms` is refused rather than read as minutes.
  const unit = UNIT_S[word] ?? (word.length > 2 && word.endsWith('s') ? UNIT_S[word.slice(0, -1)] : undefined);
  const count = Number(m[1]);
  const per = m[2] === undefined ? 1 : Number(m[2]);
  if (unit === undefined || count <= 0 || per <= 0) return undefined;
  return count / (per * unit);
}

/** The count of a `N/unit` text, used as the default burst (a full unit's worth at once). */
function countOf(rate: number | string): number {
  return typeof rate === 'number' ? rate : Number(/^\s*(\d+(?:\.\d+)?)/.exec(rate)?.[1] ?? 1);
}

export const DEFAULT_RATELIMIT_MESSAGE = '451 4.7.1 Rate limit exceeded, please try again in %s seconds';
export const DEFAULT_RATELIMIT_REJECT_MESSAGE = '550 5.7.1 Rate limit exceeded';

const limitSchema = z
  .strictObject({
    /** lower_snake name; the limit's symbol is RATELIMIT_<NAME>. */
    name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'expected a lower_snake name'),
    /** One bucket per distinct combination of these values (per recipient when rcpt or rcpt_domain is part of it). */
    key: z
      .array(z.enum(RATE_KEY_PARTS))
      .min(1)
      .refine((k) => new Set(k).size === k.length, 'a key part is listed twice'),
    /** Sustained rate: `10/m`, `100/h`, `5/10min`, `1000/d`, or a number per second. */
    rate: z.union([z.number(), z.string()]).refine((r) => parseRate(r) !== undefined, 'expected N/unit (s, m, h, d) or a positive number per second'),
    /** Messages allowed at once before the rate applies; default: the rate's count (10 for 10/m), at least 1. */
    burst: z.number().int().min(1).optional(),
    /** `soft reject` (tempfail, default), `reject` or `greylist`. */
    action: z.enum(['soft reject', 'reject', 'greylist']).default('soft reject'),
    /** SMTP reply; `%s` = seconds until the bucket allows one more. */
    message: z.string().min(1).optional(),
  })
  .transform((l) => ({
    ...l,
    ratePerSec: parseRate(l.rate)!,
    burst: l.burst ?? Math.max(1, Math.ceil(countOf(l.rate))),
  }));

export const ratelimitConfigSchema = z
  .strictObject({
    limits: z.array(limitSchema).default([]),
    /** Reply for `soft reject` and `greylist` limits without their own message. */
    message: z.string().min(1).default(DEFAULT_RATELIMIT_MESSAGE),
    /** Reply for `reject` limits without their own message. */
    reject_message: z.string().min(1).default(DEFAULT_RATELIMIT_REJECT_MESSAGE),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.limits.forEach((l, i) => {
      if (seen.has(l.name)) ctx.addIssue({ code: 'custom', path: ['limits', i, 'name'], message: `limit ${l.name} is defined twice` });
      seen.add(l.name);
    });
  });

export type RatelimitConfig = z.output<typeof ratelimitConfigSchema>;
export type RateLimit = RatelimitConfig['limits'][number];

export function limitSymbol(name: string): string {
  return `RATELIMIT_${name.toUpperCase()}`;
}
