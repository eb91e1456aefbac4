// spamlogd's job without pflog: mail a local or authenticated user sends (seen by the milter or policy server) records its correspondents, so their replies pass the SMTP front without greylisting.

import { z } from 'zod';
import { defineCheck, type AfterScan } from '../../core/check.ts';
import type { Clock } from '../../core/context.ts';
import { duration } from '../../config/duration.ts';
import { cidr } from '../../config/fields.ts';
import { IpSet } from '../../maps/ip-set.ts';
import type { SpamdStore } from '../../storage/spamd-interfaces.ts';
import { DEFAULT_WHITE_EXP_MS } from './config.ts';

export const SPAMD_REPLIES_CHECK_NAME = 'spamd-replies';
/** An adapter that knows a sender is local without SASL (e.g. a trusted submission port) sets this fact to `yes`. */
export const LOCAL_SENDER_FACT = 'local_sender';
/** Recipients recorded per message: a mass mailing must not turn into thousands of store writes. */
export const MAX_RECORDED_RECIPIENTS = 100;
/** Mail submitted on the host itself (sendmail, webmail on localhost) counts as local. */
const DEFAULT_LOCAL_NETWORKS = ['127.0.0.0/8', '::1/128'];

export const spamdRepliesConfigSchema = z.strictObject({
  /** How long a reply is expected after the last mail to the correspondent (spamd's whiteexp, 36 days). */
  ttl: duration.default(DEFAULT_WHITE_EXP_MS),
  /** Clients whose mail counts as sent by a local user even without SASL authentication. */
  local_networks: z.array(cidr).default(DEFAULT_LOCAL_NETWORKS),
});

export type SpamdRepliesConfig = z.output<typeof spamdRepliesConfigSchema>;

interface RepliesState {
  store: SpamdStore;
  clock: Clock;
  local: IpSet;
}

/** Whether a scan is of mail a site user sends: authenticated, from a local network, or flagged local by the adapter. */
export function isLocalSender(scan: Pick<AfterScan, 'request'>, local: IpSet): boolean {
  const req = scan.request;
  if (req.user) return true;
  if (/^(?:yes|1|true)$/i.test(req.facts?.[LOCAL_SENDER_FACT] ?? '')) return true;
  return req.clientIp !== undefined && local.lookup(req.clientIp) !== undefined;
}

/** The afterScan work: each recipient of accepted outgoing mail may now reply to its sender without greylisting. */
export async function recordReplies(scan: AfterScan, state: RepliesState, ttlMs: number): Promise<number> {
  const { request: req, result } = scan;
  // Mail winnow refused or deferred (a compromised account's spam) must not whitelist anyone.
  if (result.action !== 'no action') return 0;
  if (!req.mailFrom || !isLocalSender(scan, state.local)) return 0;
  const now = state.clock.now();
  const rcpts = [...new Set(req.rcptTo.map((r) => r.toLowerCase()))].slice(0, MAX_RECORDED_RECIPIENTS);
  for (const rcpt of rcpts) await state.store.expectReply(rcpt, req.mailFrom, now, ttlMs);
  return rcpts.length;
}

/** For the spamd check at RCPT: mail from `mailFrom` to `rcpt` answers mail a local user sent (the null sender never does). */
export async function isExpectedReply(store: SpamdStore, mailFrom: string | undefined, rcpt: string, now: number): Promise<boolean> {
  if (!mailFrom) return false;
  return store.replyExpected(mailFrom, rcpt, now);
}

export const spamdRepliesCheck = defineCheck<never, SpamdRepliesConfig, RepliesState>({
  name: SPAMD_REPLIES_CHECK_NAME,
  description: "Records the correspondents of mail local users send (milter, policy), so the SMTP front passes their replies without greylisting (spamlogd)",
  phase: 'postfilter',
  configSchema: spamdRepliesConfigSchema,
  symbols: {},
  setup({ config, ctx }) {
    const local = new IpSet();
    for (const n of config.local_networks) local.add(n, undefined);
    return { store: ctx.store.spamd, clock: ctx.clock, local };
  },
  run() {
    // Nothing to decide: the work happens once the verdict is final (afterScan).
  },
  async afterScan(scan, state, config) {
    await recordReplies(scan, state, config.ttl);
  },
});
