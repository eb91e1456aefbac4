// Config schema of the spamd check (`checks.spamd`): spamd's greylist timing, greytrapping and the static black/white lists.

import { z } from 'zod';
import { duration } from '../../config/duration.ts';
import { normalizeDomain } from '../../maps/matchers.ts';
import { DEFAULT_POLL_INTERVAL_MS, DEFAULT_RELOAD_DEBOUNCE_MS } from '../../maps/watched-file.ts';
import { spamdSourcesShape } from './sources-config.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** spamd's `-G 25:4:864` (PROTOCOLS §7.3): passtime 25 min, greyexp 4 h, whiteexp 864 h = 36 days; TRAPEXP 24 h. */
export const DEFAULT_PASS_TIME_MS = 25 * MINUTE_MS;
export const DEFAULT_GREY_EXP_MS = 4 * HOUR_MS;
export const DEFAULT_WHITE_EXP_MS = 864 * HOUR_MS;
export const DEFAULT_TRAP_EXP_MS = 24 * HOUR_MS;
/** spamd's greyscan runs every 60 s; expired entries go at this pace (Redis also drops them by TTL). */
export const DEFAULT_EXPIRE_INTERVAL_MS = MINUTE_MS;
/** The message of spamd's own `spamd-greytrap` list; `%A` is the client address. */
export const DEFAULT_GREYTRAP_MESSAGE = 'Your address %A has mailed to spamtraps here';
/** spamd's generic blacklist reply, for a black list configured without a message. */
export const DEFAULT_BLACK_MESSAGE =
  'Sorry %A\nYou are trying to send mail from an address listed by one\nor more IP-based registries as being a SPAM source.';

export const spamdListSchema = z.strictObject({
  /** Names the list in symbols and logs (spamd.conf's list tag). */
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, `_`, `.` and `-` only'),
  type: z.enum(['black', 'white']),
  /** Reply text for a black list: `%A` = client IP, `%%` = `%`, a newline starts a new reply line. */
  message: z.string().min(1).optional(),
  /** File of addresses and CIDR networks, one per line, `#` comments; relative to the config file; reloaded on change. */
  file: z.string().min(1),
});

/** A local domain: `example.org` covers the domain and its subdomains, `@example.org` the domain only. */
const localDomain = z.string().refine((d) => normalizeDomain(d.replace(/^@/, '')) !== undefined, 'expected a domain name, or @domain');

export const spamdConfigSchema = z
  .strictObject({
    /** Static lists (spamd.conf's sources): black ones tarpit, white ones pass to the real MTA. */
    lists: z.array(spamdListSchema).default([]),
    /** Fetched list sources, their schedule and the SPF whitelist (spamd-setup; sources-config.ts). */
    ...spamdSourcesShape,
    /** A retry of a tuple passes once this much time went by since its first attempt (spamd passtime). */
    pass_time: duration.default(DEFAULT_PASS_TIME_MS),
    /** A greylisted tuple not retried in time is forgotten after this (spamd greyexp). */
    grey_exp: duration.default(DEFAULT_GREY_EXP_MS),
    /** A client that passed greylisting stays whitelisted this long, renewed when it comes back (spamd whiteexp). */
    white_exp: duration.default(DEFAULT_WHITE_EXP_MS),
    /** A client caught by a greytrap is tarpitted this long (spamd TRAPEXP). */
    trap_exp: duration.default(DEFAULT_TRAP_EXP_MS),
    /** Recipient domains this site accepts (spamd.alloweddomains); mail for others traps the client. Empty: no domain trapping. */
    local_domains: z.array(localDomain).default([]),
    /** Reply to trapped clients; `%A` = client IP. */
    greytrap_message: z.string().min(1).default(DEFAULT_GREYTRAP_MESSAGE),
    /** When the store cannot be reached: let the client through to the real MTA (default), or keep greylisting it. */
    store_fail_action: z.enum(['no action', 'greylist']).default('no action'),
    /** How often expired entries are removed. */
    expire_interval: duration.default(DEFAULT_EXPIRE_INTERVAL_MS),
    /** Stat fallback period for the list files, in milliseconds. */
    poll_interval_ms: z.number().int().positive().default(DEFAULT_POLL_INTERVAL_MS),
    /** Quiet time after a list file changes before it is reloaded, in milliseconds. */
    debounce_ms: z.number().int().nonnegative().default(DEFAULT_RELOAD_DEBOUNCE_MS),
  })
  .superRefine((c, ctx) => {
    if (c.pass_time >= c.grey_exp) ctx.addIssue({ code: 'custom', path: ['pass_time'], message: `must be shorter than grey_exp (${c.grey_exp} ms)` });
    if (c.expire_interval < 1000) ctx.addIssue({ code: 'custom', path: ['expire_interval'], message: 'must be at least 1s' });
    const names = new Set<string>();
    c.lists.forEach((l, i) => {
      if (names.has(l.name)) ctx.addIssue({ code: 'custom', path: ['lists', i, 'name'], message: `duplicate list name '${l.name}'` });
      names.add(l.name);
      if (l.type === 'white' && l.message !== undefined) ctx.addIssue({ code: 'custom', path: ['lists', i, 'message'], message: 'only black lists have a message' });
    });
  });

export type SpamdConfig = z.output<typeof spamdConfigSchema>;
