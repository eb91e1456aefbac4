// Config of the spf check: policyd-spf's policy options (what to reject, defer or skip) and the result headers to add.

import { hostname } from 'node:os';
import { z } from 'zod';
import { DEFAULT_SPF_BUDGET_MS } from './evaluate.ts';
import { IP_BITS, parseIp4Network, parseIp6Network } from './ip.ts';

/** RFC 7208 §4.6.4 suggests at least 20 s for a whole evaluation; more than that only ties up the SMTP session. */
export const MAX_SPF_BUDGET_MS = 20_000;
const MIN_SPF_BUDGET_MS = 100;
/** mynetworks by default: the host itself. */
export const DEFAULT_SKIP_NETWORKS = ['127.0.0.0/8', '::1/128'];

export interface Network {
  family: 4 | 6;
  bytes: Uint8Array;
  prefix: number;
}

/** Parses `192.0.2.0/24`, `2001:db8::/32` or a bare address (a host network). */
export function parseNetwork(s: string): Network | undefined {
  const slash = s.indexOf('/');
  const addr = slash < 0 ? s : s.slice(0, slash);
  const v4 = parseIp4Network(addr);
  const v6 = v4 ? undefined : parseIp6Network(addr);
  const family = v4 ? 4 : 6;
  const bytes = v4 ?? v6;
  if (!bytes) return undefined;
  const len = slash < 0 ? String(IP_BITS[family]) : s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(len) || Number(len) > IP_BITS[family]) return undefined;
  return { family, bytes, prefix: Number(len) };
}

export const spfConfigSchema = z.strictObject({
  /**
   * Where the reject/defer policy below applies: `envelope` = envelope-only requests (Postfix policy, SMTP
   * front), as policyd-spf does; full-message scans (HTTP, milter) then only score the symbols, as rspamd
   * does. `always` applies it to every scan; `never` only scores.
   */
  enforce: z.enum(['envelope', 'always', 'never']).default('envelope'),
  /** Which results force a reject: `fail`, `softfail` (fail and softfail) or `never` (only symbols). */
  reject_on: z.enum(['fail', 'softfail', 'never']).default('fail'),
  /** temperror forces `soft reject` (451 4.7.24) so the sender retries. */
  defer_on_temperror: z.boolean().default(true),
  /** permerror forces `reject` (550 5.7.24); off by default, as in policyd-spf, since broken records are common. */
  reject_on_permerror: z.boolean().default(false),
  /** Clients in these networks (mynetworks) are not checked. */
  skip_networks: z
    .array(z.string().refine((s) => parseNetwork(s) !== undefined, { message: 'expected an address or CIDR network' }))
    .default(DEFAULT_SKIP_NETWORKS),
  /** SASL-authenticated clients are not checked. */
  skip_authenticated: z.boolean().default(true),
  add_received_spf: z.boolean().default(true),
  add_authentication_results: z.boolean().default(false),
  /** authserv-id of Authentication-Results, also this receiver's name in Received-SPF and `%{r}`. */
  authserv_id: z.string().min(1).default(() => hostname()),
  /** Time budget for all DNS queries of one evaluation; past it the result is temperror. */
  dns_budget_ms: z.number().int().min(MIN_SPF_BUDGET_MS).max(MAX_SPF_BUDGET_MS).default(DEFAULT_SPF_BUDGET_MS),
});

export type SpfConfig = z.infer<typeof spfConfigSchema>;
