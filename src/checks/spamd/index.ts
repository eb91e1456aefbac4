// The spamd check: OpenBSD spamd's decisions for the SMTP front (PROTOCOLS §7): white, black, trapped or greylisted client, tuple passes, greytraps.

import { defineCheck, type CheckTask } from '../../core/check.ts';
import { StoreIncident } from '../../log/incident-log.ts';
import type { SpamdStore, SpamdTiming } from '../../storage/spamd-interfaces.ts';
import { spamdConfigSchema, type SpamdConfig } from './config.ts';
import { expandMessage, FileSpamdLists, type SpamdLists } from './lists.ts';
import { isExpectedReply } from './reply-recorder.ts';
import { withSourceLists } from './source-lists.ts';

export const SPAMD_CHECK_NAME = 'spamd';
/** Request fact the SMTP front sets: `connect` (client IP only) or `rcpt` (one RCPT of a greylisted client). */
export const SMTP_FRONT_STAGE_FACT = 'smtp_front_stage';
export type SmtpFrontStage = 'connect' | 'rcpt';
/** A few store round trips; the Redis command timeout is 2 s. */
const SPAMD_TIMEOUT_MS = 5_000;

const symbols = {
  SPAMD_WHITE: { weight: 0, description: 'Client whitelisted: a white list source or a WHITE entry (passed greylisting); goes to the real MTA (options: list or "db")' },
  SPAMD_BLACK: { weight: 0, description: 'Client on black lists: tarpitted, then refused with the lists\' messages (options: list names)' },
  SPAMD_TRAPPED: { weight: 0, description: 'Client trapped by a greytrap: tarpitted until the trap expires (options: seconds left)' },
  SPAMD_GREYTRAP: { weight: 0, description: 'Greylisted client mailed a spamtrap or a non-local domain: now trapped (options: recipient, reason)' },
  SPAMD_GREY: { weight: 0, description: 'Client greylisted: fake dialogue, 451 at DATA (options: seconds until a retry passes, or "new connection")' },
  SPAMD_PASS: { weight: 0, description: 'Tuple retried after pass_time: the client is whitelisted now and goes to the real MTA (options: how long it was held)' },
  SPAMD_REPLY: { weight: 0, description: 'Tuple answers mail a local user sent (spamlogd): passed without greylisting (options: sender)' },
  SPAMD_STORE_FAIL: { weight: 0, description: 'Store unreachable: the configured fail-safe applied (options: the fail-safe action)' },
} as const;
type Sym = keyof typeof symbols;

interface SpamdState {
  lists: SpamdLists;
  timing: SpamdTiming;
  incident: StoreIncident;
  expiry: NodeJS.Timeout;
}

/** spamd's trapcheck (PROTOCOLS §7.3): the recipient lower-cased, quotes and brackets stripped. */
export function normalizeTrapAddress(rcpt: string): string {
  return rcpt.toLowerCase().replace(/["<>]/g, '').trim();
}

/** Whether `address` belongs to a local domain: `example.org` covers subdomains, `@example.org` only itself; no domain part is local. */
export function isLocalRecipient(address: string, localDomains: readonly string[]): boolean {
  const at = address.lastIndexOf('@');
  if (at < 0) return true;
  const domain = address.slice(at + 1).replace(/\.$/, '');
  return localDomains.some((entry) => {
    const d = entry.toLowerCase().replace(/\.$/, '');
    return d.startsWith('@') ? domain === d.slice(1) : domain === d || domain.endsWith(`.${d}`);
  });
}

function seconds(ms: number): string {
  return `${Math.max(0, Math.ceil(ms / 1000))}s`;
}

/** Connect stage: white lists and WHITE entries pass; black lists and TRAPPED entries are refused; everyone else is greylisted. */
async function atConnect(task: CheckTask<Sym>, state: SpamdState, config: SpamdConfig, ip: string, store: SpamdStore, now: number): Promise<void> {
  const listed = state.lists.lookup(ip);
  if (listed.white) return task.hit('SPAMD_WHITE', ['list']);
  let failed = false;
  try {
    const white = await store.white(ip, now);
    if (white) {
      // spamlogd's job: a whitelisted client seen again keeps its entry alive.
      await store.touchWhite(ip, now, state.timing.whiteExpMs);
      state.incident.succeeded(task.log);
      return task.hit('SPAMD_WHITE', ['db']);
    }
  } catch (err) {
    failed = true;
    state.incident.failed(task.log, err, 'lists only');
  }
  if (listed.black.length > 0) {
    task.hit('SPAMD_BLACK', listed.black.map((b) => b.name));
    return task.force('reject', listed.black.map((b) => expandMessage(b.message, ip)).join('\n'));
  }
  if (!failed) {
    try {
      const trapped = await store.trapped(ip, now);
      state.incident.succeeded(task.log);
      if (trapped) {
        task.hit('SPAMD_TRAPPED', [seconds(trapped.expiresAt - now)]);
        return task.force('reject', expandMessage(config.greytrap_message, ip));
      }
    } catch (err) {
      failed = true;
      state.incident.failed(task.log, err, 'lists only');
    }
  }
  if (failed) {
    task.hit('SPAMD_STORE_FAIL', [config.store_fail_action]);
    if (config.store_fail_action === 'no action') return;
  }
  task.hit('SPAMD_GREY', ['new connection']);
  task.force('greylist');
}

/** RCPT stage of a greylisted client: a greytrap traps it; otherwise the tuple is recorded and passes after pass_time. */
async function atRcpt(task: CheckTask<Sym>, state: SpamdState, config: SpamdConfig, ip: string, store: SpamdStore, now: number): Promise<void> {
  const req = task.request;
  const rcpt = req.rcptTo[0];
  if (rcpt === undefined || req.mailFrom === undefined) {
    task.hit('SPAMD_GREY', ['no tuple']);
    return task.force('greylist');
  }
  const trapAddress = normalizeTrapAddress(rcpt);
  try {
    let reason: string | undefined;
    if (await store.isSpamtrap(trapAddress)) reason = 'spamtrap';
    else if (config.local_domains.length > 0 && !isLocalRecipient(trapAddress, config.local_domains)) reason = 'not a local domain';
    if (reason !== undefined) {
      await store.trap(ip, now, config.trap_exp);
      state.incident.succeeded(task.log);
      task.log.info({ ip, rcpt: trapAddress, reason }, 'spamd: client trapped');
      task.hit('SPAMD_GREYTRAP', [trapAddress, reason]);
      return task.force('greylist');
    }
    // Replies to mail our own users sent pass at once; the IP is not whitened, so a forged sender buys one message, not 36 days.
    if (await isExpectedReply(store, req.mailFrom, rcpt, now)) {
      state.incident.succeeded(task.log);
      return task.hit('SPAMD_REPLY', [req.mailFrom]);
    }
    const seen = await store.seeTuple({ ip, helo: req.helo ?? '', from: `<${req.mailFrom}>`, to: `<${rcpt}>` }, now, state.timing);
    state.incident.succeeded(task.log);
    if (seen.white) return task.hit('SPAMD_PASS', [`held ${seconds(now - seen.entry.firstSeen)}`]);
    task.hit('SPAMD_GREY', [`retry in ${seconds(seen.entry.firstSeen + state.timing.passTimeMs - now)}`]);
    task.force('greylist');
  } catch (err) {
    state.incident.failed(task.log, err, config.store_fail_action);
    task.hit('SPAMD_STORE_FAIL', [config.store_fail_action]);
    if (config.store_fail_action === 'greylist') task.force('greylist');
  }
}

export const spamdCheck = defineCheck<Sym, SpamdConfig, SpamdState>({
  name: SPAMD_CHECK_NAME,
  description: 'OpenBSD spamd for the SMTP front: greylisting of (IP, HELO, from, to) tuples, black/white lists, greytrapping',
  phase: 'connect',
  timeoutMs: SPAMD_TIMEOUT_MS,
  configSchema: spamdConfigSchema,
  symbols,
  async setup({ config, configDir, dataDir, log, ctx }) {
    const lists = await withSourceLists(await FileSpamdLists.open(config, configDir, log), config, dataDir, log);
    const timing: SpamdTiming = { passTimeMs: config.pass_time, greyExpMs: config.grey_exp, whiteExpMs: config.white_exp };
    // spamd's greyscan: expired tuples, WHITE and TRAPPED entries go at a steady pace rather than on reads.
    const expiry = setInterval(() => {
      ctx.store.spamd.expire(ctx.clock.now()).catch((err: unknown) => log.debug({ err: String(err) }, 'spamd: expiring old entries failed'));
    }, config.expire_interval);
    expiry.unref();
    return { lists, timing, incident: new StoreIncident('spamd'), expiry };
  },
  async run(task, state, config) {
    const stage = task.request.facts?.[SMTP_FRONT_STAGE_FACT];
    const ip = task.request.clientIp;
    if ((stage !== 'connect' && stage !== 'rcpt') || ip === undefined) return;
    const store = task.ctx.store.spamd;
    const now = task.ctx.clock.now();
    if (stage === 'connect') await atConnect(task, state, config, ip, store, now);
    else await atRcpt(task, state, config, ip, store, now);
  },
  close(state) {
    clearInterval(state.expiry);
    state.lists.close?.();
  },
});
