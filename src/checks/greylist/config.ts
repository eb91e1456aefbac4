// Config schema of the greylist check (`checks.greylist`): timing, key, mode, whitelists, SPF pools, texts and fail-safe.

import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { normalizeDomain } from '../../maps/matchers.ts';
import { DEFAULT_POLL_INTERVAL_MS, DEFAULT_RELOAD_DEBOUNCE_MS } from '../../maps/watched-file.ts';
import { DEFAULT_IPV4_PREFIX, DEFAULT_IPV6_PREFIX } from './key.ts';

const SECOND_MS = 1000;
const DAY_S = 86_400;
/** postgrey's defaults: --delay 300, --retry-window 2 days, --max-age 35 days, --auto-whitelist-clients 5. */
export const DEFAULT_DELAY_S = 300;
export const DEFAULT_RETRY_WINDOW_S = 2 * DAY_S;
export const DEFAULT_MAX_AGE_S = 35 * DAY_S;
export const DEFAULT_AUTO_WHITELIST_PASSES = 5;

/** Shipped list of domains whose mail leaves from rotating pools of SPF-authorised addresses. */
export const DEFAULT_SPF_POOL_FILE = fileURLToPath(new URL('../../../rules/greylist-spf-pools.txt', import.meta.url));

/** `%s` = seconds until a retry passes, `%r` = recipient domain. */
export const DEFAULT_GREYLIST_MESSAGE = '451 4.7.1 Greylisted, please try again in %s seconds';

const paths = z.array(z.string().min(1)).default([]);

export const greylistConfigSchema = z
  .strictObject({
    /**
     * `always`: every message is greylisted (postgrey). `band`: only messages the other checks left between the
     * greylist and reject thresholds (rspamd). `auto`: `always` for envelope-only requests (Postfix policy, SMTP
     * front), `band` for full-message scans (HTTP, milter), so each path behaves like the program it replaces.
     */
    mode: z.enum(['auto', 'always', 'band']).default('auto'),
    /** band mode: also require at least this score (default: the greylist action threshold decides). */
    min_score: z.number().optional(),
    /** Seconds a new triplet must wait before a retry passes. */
    delay_s: z.number().int().min(0).default(DEFAULT_DELAY_S),
    /** Seconds after the first attempt within which the first successful retry must come, else the triplet starts over. */
    retry_window_s: z.number().int().min(1).default(DEFAULT_RETRY_WINDOW_S),
    /** Seconds a passed triplet (and an auto-whitelisted client) is remembered after it was last seen. */
    max_age_s: z.number().int().min(1).default(DEFAULT_MAX_AGE_S),
    /** Passed triplets of one client network after which the network skips greylisting; 0 switches auto-whitelisting off. */
    auto_whitelist_passes: z.number().int().min(0).default(DEFAULT_AUTO_WHITELIST_PASSES),
    ipv4_prefix: z.number().int().min(0).max(32).default(DEFAULT_IPV4_PREFIX),
    ipv6_prefix: z.number().int().min(0).max(128).default(DEFAULT_IPV6_PREFIX),
    /** Strip BATV/SRS tags, +extensions, VERP recipients and numbers from the sender (postgrey's normalisation). */
    normalize_sender: z.boolean().default(true),
    /** SASL-authenticated clients are never greylisted. */
    skip_authenticated: z.boolean().default(true),
    /** Files of client IPs/CIDRs, host names (a domain covers its subdomains) and /regex/ for host names, mixed. */
    whitelist_clients: paths,
    /** Files of sender addresses, `@domain`, `local@`, domains and /regex/. */
    whitelist_senders: paths,
    /** Files of recipient addresses, `@domain`, `local@`, domains and /regex/ (e.g. postmaster@, abuse@). */
    whitelist_recipients: paths,
    /** Skip greylisting when SPF passes for a sender domain (or a parent) on these lists: senders that retry from other addresses. */
    spf_pools: z.boolean().default(true),
    /** Domain-list files of SPF pools; the shipped list by default. */
    spf_pool_files: z.array(z.string().min(1)).default([DEFAULT_SPF_POOL_FILE]),
    /** Extra SPF-pool domains, added to the files. */
    spf_pool_domains: z.array(z.string().refine((d) => normalizeDomain(d.replace(/^\*?\./, '')) !== undefined, 'expected a domain name')).default([]),
    /** SMTP reply for a greylisted message; `%s` seconds left, `%r` recipient domain. */
    message: z.string().min(1).default(DEFAULT_GREYLIST_MESSAGE),
    /** Add `X-Greylist: delayed N seconds by winnow-<version>; <date>` on the first pass of a triplet. */
    add_header: z.boolean().default(true),
    /** What happens when the store cannot be reached: let the mail through (default), greylist it or defer it. */
    store_fail_action: z.enum(['no action', 'greylist', 'soft reject']).default('no action'),
    /** Stat fallback period for the list files, in milliseconds. */
    poll_interval_ms: z.number().int().positive().default(DEFAULT_POLL_INTERVAL_MS),
    /** Quiet time after a list file changes before it is reloaded, in milliseconds. */
    debounce_ms: z.number().int().nonnegative().default(DEFAULT_RELOAD_DEBOUNCE_MS),
  })
  .superRefine((c, ctx) => {
    if (c.retry_window_s <= c.delay_s) {
      ctx.addIssue({ code: 'custom', path: ['retry_window_s'], message: `must be longer than delay_s (${c.delay_s})` });
    }
    if (c.max_age_s < c.retry_window_s) {
      ctx.addIssue({ code: 'custom', path: ['max_age_s'], message: `must be at least retry_window_s (${c.retry_window_s})` });
    }
    if (c.min_score !== undefined && c.mode === 'always') {
      ctx.addIssue({ code: 'custom', path: ['min_score'], message: 'only for mode: band or auto' });
    }
  });

export type GreylistConfig = z.output<typeof greylistConfigSchema>;

export function toMs(seconds: number): number {
  return seconds * SECOND_MS;
}
