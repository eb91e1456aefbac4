// Config schema of the SMTP front (`smtp_front:`): listener, upstream MTA and PROXY protocol, spamd's dialogue options, limits, TLS, nftables.

import { z } from 'zod';
import { duration } from '../../config/duration.ts';
import { listenAddress, listenerSchema } from '../../config/fields.ts';

export const DEFAULT_SMTP_FRONT_LISTEN = '127.0.0.1:8025';
export const DEFAULT_UPSTREAM = '127.0.0.1:10025';
/** spamd's `-n` default is `spamd IP-based SPAM blocker`. */
export const DEFAULT_BANNER_NAME = 'winnow IP-based SPAM blocker';
/** spamd -s: one character per second. */
export const DEFAULT_STUTTER_DELAY_MS = 1000;
/** spamd -S: greylisted clients stutter for their first 10 seconds (at most 90). */
export const DEFAULT_GREY_STUTTER_S = 10;
export const MAX_GREY_STUTTER_S = 90;
/** spamd -c. */
export const DEFAULT_MAX_CONNECTIONS = 800;
/** spamd -B default: maxcon - 100. */
export const MAX_BLACK_MARGIN = 100;
export const DEFAULT_MAX_PER_IP = 50;
/** spamd's MAXTIME: a client silent this long is dropped. */
export const DEFAULT_IDLE_TIMEOUT_MS = 400_000;

const nftName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'an nftables name: a letter, then letters, digits and _');

export const nftablesSchema = z.strictObject({
  /** Keep a kernel set of whitelisted client addresses for sites that redirect port 25 with nftables. */
  enabled: z.boolean().default(false),
  family: z.enum(['inet', 'ip', 'ip6']).default('inet'),
  table: nftName.default('winnow'),
  /** Set of IPv4 addresses (type ipv4_addr, flags timeout). */
  set: nftName.default('spamd_white'),
  /** Set of IPv6 addresses (type ipv6_addr, flags timeout); IPv6 clients are not added when unset. */
  set6: nftName.optional(),
  /** Element lifetime in the kernel set; match checks.spamd.white_exp. */
  timeout: duration.default(864 * 3_600_000),
  /** The nft binary. */
  command: z.string().min(1).default('nft'),
});

/** spamd's database timing and trapping are the spamd check's decisions: named here only to point there. */
const CHECK_KEYS = ['pass_time', 'grey_exp', 'white_exp', 'trap_exp', 'local_domains'] as const;
const movedToCheck = Object.fromEntries(
  CHECK_KEYS.map((k) => [k, z.never({ error: `set checks.spamd.${k} instead: the spamd check makes that decision` }).optional()]),
) as Record<(typeof CHECK_KEYS)[number], z.ZodOptional<z.ZodNever>>;

export const smtpFrontSchema = listenerSchema(DEFAULT_SMTP_FRONT_LISTEN)
  .extend({
    ...movedToCheck,
    /** The real MTA: whitelisted clients and passed retries are proxied there (e.g. a Postfix smtpd with PROXY protocol). */
    upstream: listenAddress.default(DEFAULT_UPSTREAM),
    /** Header that tells the upstream the real client address: Postfix `smtpd_upstream_proxy_protocol = haproxy` reads v1 and v2. */
    proxy_protocol: z.enum(['v1', 'v2', 'none']).default('v1'),
    /** Name in the banner and the 221 reply; the machine's host name when unset. */
    hostname: z.string().min(1).regex(/^[^\s]+$/, 'no spaces').optional(),
    banner_name: z.string().min(1).default(DEFAULT_BANNER_NAME),
    /** Delay between characters sent to tarpitted clients. */
    stutter_delay_ms: z.number().int().min(0).max(10_000).default(DEFAULT_STUTTER_DELAY_MS),
    /** Greylisted clients stutter for this many seconds after connecting; 0 switches it off. */
    grey_stutter_s: z.number().int().min(0).max(MAX_GREY_STUTTER_S).default(DEFAULT_GREY_STUTTER_S),
    /** Code of the final reply to blacklisted clients: 450 (they retry and waste more time) or 550. */
    blacklist_code: z.union([z.literal(450), z.literal(550)]).default(450),
    /** Connections held at once by one worker process; more are told 421 and closed. */
    max_connections: z.number().int().min(1).default(DEFAULT_MAX_CONNECTIONS),
    /** Blacklisted connections above this count are answered without stutter (default max_connections - 100). */
    max_black: z.number().int().min(0).optional(),
    /** Connections from one client address at once; more are told 421 and closed. */
    max_per_ip: z.number().int().min(1).default(DEFAULT_MAX_PER_IP),
    /** A client silent (or not reading) this long is dropped. */
    idle_timeout: duration.default(DEFAULT_IDLE_TIMEOUT_MS),
    /** Checks the front's scans run (a settings profile of their own); `spamd` decides, others may add evidence. */
    checks: z.array(z.string().min(1)).min(1).default(['spamd']),
    /** Certificate and key (PEM files) to offer STARTTLS to greylisted clients. */
    tls: z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }).optional(),
    nftables: nftablesSchema.prefault({}),
  })
  .superRefine((c, ctx) => {
    if (c.max_black !== undefined && c.max_black > c.max_connections) {
      ctx.addIssue({ code: 'custom', path: ['max_black'], message: `must not exceed max_connections (${c.max_connections})` });
    }
    if (c.max_per_ip > c.max_connections) {
      ctx.addIssue({ code: 'custom', path: ['max_per_ip'], message: `must not exceed max_connections (${c.max_connections})` });
    }
  });

export type SmtpFrontConfig = z.output<typeof smtpFrontSchema>;

/** spamd's maxblack default. */
export function maxBlackOf(c: Pick<SmtpFrontConfig, 'max_black' | 'max_connections'>): number {
  return c.max_black ?? Math.max(0, c.max_connections - MAX_BLACK_MARGIN);
}
