// The greylist check: postgrey's triplet greylisting (or rspamd's score-band greylisting) over the shared store, with whitelists and SPF pools.

import { severity } from '../../core/actions.ts';
import { defineCheck, type CheckTask } from '../../core/check.ts';
import type { Action } from '../../core/types.ts';
import { version } from '../../version.ts';
import { SHARED_SPF_KEY, type SharedSpfResult } from '../spf/index.ts';
import { greylistConfigSchema, toMs, type GreylistConfig } from './config.ts';
import { clientNet, normalizeRecipient, normalizeSender, tripletKey } from './key.ts';
import { StoreIncident } from '../../log/incident-log.ts';
import { AUTO_WHITELIST_REASON, graduate, passCounter, sightTriplet, type Timing, type TripletOutcome } from './triplets.ts';
import { closeLists, matchAddress, matchClient, matchSpfPool, openLists, type GreylistLists } from './whitelists.ts';

export const GREYLIST_CHECK_NAME = 'greylist';
/** Budget for one run: one store round trip per recipient (the first also checks the whitelist); the Redis command timeout is 2 s. */
const GREYLIST_TIMEOUT_MS = 5_000;
/** An auto-whitelist entry in use is pushed forward at most this often, so a busy client costs no write per message. */
const AWL_REFRESH_INTERVAL_MS = 86_400_000;
/** Deferral text when the store is down and `store_fail_action` is `soft reject`. */
const STORE_FAIL_TEXT = '451 4.3.0 Greylisting temporarily unavailable, please try again later';

const symbols = {
  GREYLIST_NEW: { weight: 0, description: 'First attempt of a client/sender/recipient triplet: greylisted (options: seconds until a retry passes)' },
  GREYLIST_EARLY: { weight: 0, description: 'Retry before the greylisting delay elapsed: still greylisted (options: seconds left)' },
  GREYLIST_PASS: { weight: 0, description: 'Every triplet has passed greylisting (options: how long the first pass was delayed, or "known")' },
  GREYLIST_WHITELISTED: { weight: 0, description: 'Not greylisted: a whitelist matched (options: list, entry)' },
  GREYLIST_AUTOWL: { weight: 0, description: 'Not greylisted: the client network passed greylisting often enough (options: network)' },
  GREYLIST_SPF_POOL: { weight: 0, description: 'Not greylisted: SPF passes for a big-sender domain that sends from rotating address pools (options: domain, entry)' },
  GREYLIST_STORE_FAIL: { weight: 0, description: 'Store unreachable: the configured fail-safe applied (options: the fail-safe action)' },
  GREYLIST_SKIPPED: { weight: 0, description: 'Nothing to greylist: authenticated client, or no client IP, envelope sender or recipient (options: reason)' },
} as const;
type Sym = keyof typeof symbols;

/** Score-derived actions that band mode greylists: above `greylist`, below a refusal (rspamd's greylist module). */
const BAND_ACTIONS: ReadonlySet<Action> = new Set(['greylist', 'add header', 'rewrite subject']);

interface GreylistState {
  lists: GreylistLists;
  timing: Timing;
  incident: StoreIncident;
}

function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at >= 0 ? address.slice(at + 1).toLowerCase() : '';
}

/** `%s` → seconds, `%r` → recipient domain (postgrey's placeholders). */
export function greylistText(template: string, waitMs: number, rcpt: string): string {
  return template.replace(/%[sr]/g, (m) => (m === '%s' ? String(Math.ceil(waitMs / 1000)) : domainOf(rcpt)));
}

/** RFC 5322 date with a numeric zone. */
function mailDate(ms: number): string {
  return new Date(ms).toUTCString().replace(/GMT$/, '+0000');
}

/** Whether greylisting applies to this scan as the other checks left it; a reason string when it does not. */
function outOfScope(task: CheckTask<Sym>, config: GreylistConfig): string | undefined {
  const v = task.currentVerdict();
  if (v.forced && v.action === 'no action') return 'a check forced no action';
  // A message already refused gains nothing from a deferral (and a forced greylist would soften a reject).
  if (severity(v.action) >= severity('soft reject')) return 'already refused';
  const band = config.mode === 'band' || (config.mode === 'auto' && task.message !== undefined);
  if (band) {
    if (!BAND_ACTIONS.has(v.action)) return 'score outside the greylist band';
    if (config.min_score !== undefined && v.score < config.min_score) return 'score below min_score';
  }
  return undefined;
}

/**
 * The file whitelists: client, sender, recipients. Returns the recipients still to greylist (whitelisted ones
 * drop out), or undefined when a list matched the whole message (its symbol is added then).
 */
function notListed(task: CheckTask<Sym>, lists: GreylistLists, ip: string, sender: string, rcpts: string[]): string[] | undefined {
  for (const f of lists.clients) {
    const e = matchClient(f.current, ip, task.request.hostname);
    if (e) {
      task.hit('GREYLIST_WHITELISTED', ['clients', e]);
      return undefined;
    }
  }
  for (const f of lists.senders) {
    const e = matchAddress(f.current, sender);
    if (e) {
      task.hit('GREYLIST_WHITELISTED', ['senders', e]);
      return undefined;
    }
  }
  if (lists.recipients.length === 0) return rcpts;
  const left: string[] = [];
  const hits: string[] = [];
  for (const r of rcpts) {
    const e = lists.recipients.map((f) => matchAddress(f.current, r)).find((x) => x !== undefined);
    if (e) hits.push(e);
    else left.push(r);
  }
  if (left.length > 0) return left;
  task.hit('GREYLIST_WHITELISTED', ['recipients', ...hits]);
  return undefined;
}

function spfPool(task: CheckTask<Sym>, lists: GreylistLists, sender: string): boolean {
  const spf = task.shared.get(SHARED_SPF_KEY) as SharedSpfResult | undefined;
  const domain = domainOf(sender);
  if (spf?.result !== 'pass' || spf.identity !== 'mailfrom' || domain === '' || spf.domain.toLowerCase() !== domain) return false;
  const entry = matchSpfPool(lists, domain);
  if (entry === undefined) return false;
  task.hit('GREYLIST_SPF_POOL', [domain, entry]);
  return true;
}

export const greylistCheck = defineCheck<Sym, GreylistConfig, GreylistState>({
  name: GREYLIST_CHECK_NAME,
  description: 'Greylisting of client network/sender/recipient triplets (postgrey), always or only in the greylist score band (rspamd)',
  phase: 'postfilter',
  dependsOn: ['spf'],
  timeoutMs: GREYLIST_TIMEOUT_MS,
  configSchema: greylistConfigSchema,
  symbols,
  async setup({ config, configDir, log }) {
    const lists = await openLists(config, configDir, log);
    const timing = { delayMs: toMs(config.delay_s), retryWindowMs: toMs(config.retry_window_s), maxAgeMs: toMs(config.max_age_s) };
    return { lists, timing, incident: new StoreIncident('greylist') };
  },
  async run(task, state, config) {
    const skip = outOfScope(task, config);
    if (skip !== undefined) return void task.log.debug({ reason: skip }, 'greylist: not applied');
    const req = task.request;
    if (config.skip_authenticated && req.user) return task.hit('GREYLIST_SKIPPED', ['authenticated']);
    const ip = req.clientIp ?? '';
    const net = clientNet(ip, { ipv4: config.ipv4_prefix, ipv6: config.ipv6_prefix });
    if (net === undefined) return task.hit('GREYLIST_SKIPPED', ['no client IP']);
    if (req.mailFrom === undefined) return task.hit('GREYLIST_SKIPPED', ['no envelope sender']);
    const allRcpts = [...new Set(req.rcptTo.map(normalizeRecipient).filter((r) => r !== ''))];
    if (allRcpts.length === 0) return task.hit('GREYLIST_SKIPPED', ['no recipient']);

    const rcpts = notListed(task, state.lists, ip, req.mailFrom, allRcpts);
    if (rcpts === undefined || spfPool(task, state.lists, req.mailFrom)) return;

    const gl = task.ctx.store.greylist;
    const now = task.ctx.clock.now();
    const sender = config.normalize_sender ? normalizeSender(req.mailFrom) : req.mailFrom.toLowerCase();
    let outcomes: [string, TripletOutcome][];
    try {
      outcomes = [];
      const counter = config.auto_whitelist_passes > 0 ? passCounter(net, state.timing.maxAgeMs) : undefined;
      for (const r of rcpts) {
        // The first sighting also looks the client network up on the store's whitelist, in the same store operation.
        const listFirst = outcomes.length === 0 ? net : undefined;
        const sighted = await sightTriplet(gl, tripletKey(net, sender, r), now, state.timing, counter, listFirst);
        if (sighted.listed) {
          const wl = sighted.listed;
          const auto = wl.reason.startsWith(AUTO_WHITELIST_REASON);
          if (auto && wl.expiresAt - now < state.timing.maxAgeMs - AWL_REFRESH_INTERVAL_MS) await gl.whitelist.add(net, now + state.timing.maxAgeMs, wl.reason);
          state.incident.succeeded(task.log);
          return auto ? task.hit('GREYLIST_AUTOWL', [net]) : task.hit('GREYLIST_WHITELISTED', ['store', `${net}: ${wl.reason}`]);
        }
        const { outcome, passCount } = sighted;
        outcomes.push([r, outcome]);
        if (passCount === undefined) continue;
        await graduate(gl, net, passCount, now, state.timing.maxAgeMs, config.auto_whitelist_passes);
        if (passCount === config.auto_whitelist_passes) task.log.info({ net, count: passCount }, 'greylist: client network auto-whitelisted');
      }
      state.incident.succeeded(task.log);
    } catch (err) {
      state.incident.failed(task.log, err, config.store_fail_action);
      task.hit('GREYLIST_STORE_FAIL', [config.store_fail_action]);
      if (config.store_fail_action === 'greylist') task.force('greylist', greylistText(config.message, state.timing.delayMs, rcpts[0]));
      else if (config.store_fail_action === 'soft reject') task.force('soft reject', STORE_FAIL_TEXT);
      return;
    }
    report(task, config, outcomes, now);
  },
  close(state) {
    closeLists(state.lists);
  },
});

/** Symbols, forced action and header for the triplets' outcomes: greylisted unless every triplet passed. */
function report(task: CheckTask<Sym>, config: GreylistConfig, outcomes: [string, TripletOutcome][], now: number): void {
  let wait: { ms: number; rcpt: string } | undefined;
  let isNew = false;
  let delayedMs: number | undefined;
  for (const [rcpt, o] of outcomes) {
    if (o.state === 'pass') {
      if (o.firstPass) delayedMs = Math.max(delayedMs ?? 0, o.delayedMs);
      continue;
    }
    if (o.state === 'new') isNew = true;
    if (!wait || o.waitMs > wait.ms) wait = { ms: o.waitMs, rcpt };
  }
  if (wait) {
    const seconds = `${Math.ceil(wait.ms / 1000)}s`;
    task.hit(isNew ? 'GREYLIST_NEW' : 'GREYLIST_EARLY', [seconds]);
    task.force('greylist', greylistText(config.message, wait.ms, wait.rcpt));
    return;
  }
  const delayedS = delayedMs === undefined ? undefined : Math.round(delayedMs / 1000);
  task.hit('GREYLIST_PASS', [delayedS === undefined ? 'known' : `delayed ${delayedS}s`]);
  if (config.add_header && delayedS !== undefined) {
    task.addHeader('X-Greylist', `delayed ${delayedS} seconds by winnow-${version}; ${mailDate(now)}`);
  }
}
