// The spf check: evaluates SPF (RFC 7208) for the envelope, adds a symbol per result, shares the result, and applies policyd-spf-style policy (reject, defer, skip, result headers).

import { defineCheck, type CheckTask } from '../../core/check.ts';
import { checkSpf, type SpfOutcome, type SpfResult } from './evaluate.ts';
import { MAX_SPF_BUDGET_MS, parseNetwork, spfConfigSchema, type Network, type SpfConfig } from './config.ts';
import { authenticationResults, receivedSpf, type HeaderFacts } from './headers.ts';
import { inPrefix, parseIp } from './ip.ts';

/** Headroom above the DNS budget so the evaluator reports temperror itself before the scheduler's timeout fires. */
const CHECK_TIMEOUT_MARGIN_MS = 2_000;

/** rspamd's names and default weights. */
const symbols = {
  R_SPF_ALLOW: { weight: -0.2, description: 'SPF pass: the client may send for the sender domain (options: domain, mechanism)' },
  R_SPF_FAIL: { weight: 1.0, description: 'SPF fail: the sender domain does not allow the client (options: domain, mechanism)' },
  R_SPF_SOFTFAIL: { weight: 0.0, description: 'SPF softfail: the sender domain probably does not allow the client' },
  R_SPF_NEUTRAL: { weight: 0.0, description: 'SPF neutral: the sender domain makes no statement about the client' },
  R_SPF_NA: { weight: 0.0, description: 'SPF none: no SPF record, or nothing to check (options: domain or reason)' },
  R_SPF_PERMFAIL: { weight: 0.0, description: 'SPF permerror: the SPF record is broken (options: domain, problem)' },
  R_SPF_DNSFAIL: { weight: 0.0, description: 'SPF temperror: DNS failed while evaluating SPF (options: domain, problem)' },
} as const;
type SpfSymbol = keyof typeof symbols;

const RESULT_SYMBOLS: Record<SpfResult, SpfSymbol> = {
  pass: 'R_SPF_ALLOW',
  fail: 'R_SPF_FAIL',
  softfail: 'R_SPF_SOFTFAIL',
  neutral: 'R_SPF_NEUTRAL',
  none: 'R_SPF_NA',
  permerror: 'R_SPF_PERMFAIL',
  temperror: 'R_SPF_DNSFAIL',
};

/** What other checks read from `task.shared.get('spf')` (greylisting skips senders whose SPF passes). */
export interface SharedSpfResult {
  result: SpfResult;
  domain: string;
  identity: 'mailfrom' | 'helo';
  mechanism?: string;
  explanation?: string;
}
export const SHARED_SPF_KEY = 'spf';

interface SpfState {
  skipNetworks: Network[];
}

function inNetworks(ip: string, nets: readonly Network[]): boolean {
  const addr = parseIp(ip);
  return addr !== undefined && nets.some((n) => n.family === addr.family && inPrefix(addr.bytes, n.bytes, n.prefix));
}

/** Reply text for a fail: the domain's own explanation when it gave one (RFC 7208 §6.2), else ours. */
function failText(o: SpfOutcome, ip: string): string {
  const text = o.explanation ?? `SPF ${o.result}: ${o.domain} does not allow ${ip} to send mail for ${o.sender}`;
  // The explanation comes from DNS: keep it on one line and printable.
  return text.replace(/[^\x20-\x7e]+/g, ' ');
}

function applyPolicy(task: CheckTask<SpfSymbol>, o: SpfOutcome, ip: string, config: SpfConfig): void {
  const rejectable = config.reject_on === 'softfail' ? ['fail', 'softfail'] : config.reject_on === 'fail' ? ['fail'] : [];
  if (rejectable.includes(o.result)) task.force('reject', `550 5.7.23 ${failText(o, ip)}`);
  else if (o.result === 'temperror' && config.defer_on_temperror) {
    task.force('soft reject', `451 4.7.24 SPF temporary error for ${o.domain}, try again later`);
  } else if (o.result === 'permerror' && config.reject_on_permerror) {
    task.force('reject', `550 5.7.24 SPF permanent error for ${o.domain}: ${(o.problem ?? 'invalid record').replace(/[^\x20-\x7e]+/g, ' ')}`);
  }
}

export const spfCheck = defineCheck<SpfSymbol, SpfConfig, SpfState>({
  name: 'spf',
  description: 'Sender Policy Framework (RFC 7208) for MAIL FROM, or HELO for bounces; policyd-spf-style reject/defer policy',
  phase: 'connect',
  timeoutMs: MAX_SPF_BUDGET_MS + CHECK_TIMEOUT_MARGIN_MS,
  configSchema: spfConfigSchema,
  symbols,
  setup({ config }) {
    return { skipNetworks: config.skip_networks.map((s) => parseNetwork(s)!) };
  },
  async run(task, state, config) {
    const req = task.request;
    if (config.skip_authenticated && req.user) return void task.log.debug({ user: req.user }, 'spf: skipped, authenticated client');
    const ip = req.clientIp;
    if (ip === undefined || ip === '') return task.hit('R_SPF_NA', ['no client IP']);
    if (inNetworks(ip, state.skipNetworks)) return void task.log.debug({ ip }, 'spf: skipped, client in skip_networks');
    if (req.mailFrom === undefined) return task.hit('R_SPF_NA', ['no envelope sender']);
    if (req.mailFrom === '' && !req.helo) return task.hit('R_SPF_NA', ['null sender and no HELO']);

    const outcome = await checkSpf(
      { ip, sender: req.mailFrom, helo: req.helo ?? '' },
      { dns: task.ctx.dns, receiver: config.authserv_id, now: () => task.ctx.clock.now(), budgetMs: config.dns_budget_ms, signal: task.signal },
    );
    const options = [outcome.domain];
    if (outcome.mechanism !== undefined) options.push(outcome.mechanism);
    else if (outcome.problem !== undefined && outcome.result !== 'none') options.push(outcome.problem);
    task.hit(RESULT_SYMBOLS[outcome.result], options);
    const shared: SharedSpfResult = { result: outcome.result, domain: outcome.domain, identity: outcome.identity };
    if (outcome.mechanism !== undefined) shared.mechanism = outcome.mechanism;
    if (outcome.explanation !== undefined) shared.explanation = outcome.explanation;
    task.shared.set(SHARED_SPF_KEY, shared);
    task.log.debug({ ip, sender: outcome.sender, result: outcome.result, lookups: outcome.lookups }, 'spf: evaluated');

    const facts: HeaderFacts = { ip, helo: req.helo, mailFrom: req.mailFrom, receiver: config.authserv_id };
    if (config.add_received_spf) task.addHeader('Received-SPF', receivedSpf(outcome, facts));
    if (config.add_authentication_results) task.addHeader('Authentication-Results', authenticationResults(outcome, facts, config.authserv_id));
    const enforce = config.enforce === 'always' || (config.enforce === 'envelope' && req.message === undefined);
    if (enforce) applyPolicy(task, outcome, ip, config);
  },
});
