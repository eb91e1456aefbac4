// The bayes check: classifies the message with the store-backed statistical classifier (BAYES_SPAM / BAYES_HAM scaled by the probability), says why when it cannot, and autolearns from clear verdicts.

import { IncidentLog } from '../../log/incident-log.ts';
import { defineCheck, type AfterScan } from '../../core/check.ts';
import type { Logger } from '../../core/context.ts';
import type { Engine } from '../../core/engine.ts';
import { createBayesService } from '../../classifier/bayes-service.ts';
import type { BayesService } from '../../classifier/service-types.ts';
import { TOKEN_OPTIONS, tokenOption } from '../../classifier/token-options.ts';
import { autolearnClass, keepsBalance } from './autolearn.ts';
import { bayesConfigSchema, pruneOptions, resolvedCutoffs, serviceConfig, type BayesCheckConfig } from './config.ts';
import { evidenceFor, type BayesSymbol } from './evidence.ts';
import { startPruneTimer } from './prune-timer.ts';
import type { Store } from '../../storage/store.ts';

export const BAYES_CHECK_NAME = 'bayes';

const symbols: Record<BayesSymbol, { weight: number; description: string; group: string }> = {
  BAYES_SPAM: { weight: 5.0, description: 'Bayesian classifier says spam (weight scaled by the probability; option: the probability)', group: 'bayes' },
  BAYES_HAM: { weight: -3.0, description: 'Bayesian classifier says ham (weight scaled by the probability; option: the probability)', group: 'bayes' },
  BAYES_UNSURE: { weight: 0, description: 'Bayesian classifier is unsure (option: the probability)', group: 'bayes' },
  BAYES_INACTIVE: { weight: 0, description: 'Bayesian classifier not used: too few messages learned or too few tokens (option: why)', group: 'bayes' },
};

export interface BayesState {
  service: BayesService;
  store: Pick<Store, 'counters'>;
  prune?: { stop(): void; runOnce(): Promise<boolean> };
  /** Autolearn write failures, logged once per incident. */
  autolearnIncident: IncidentLog;
  log: Logger;
}

async function autolearn(scan: AfterScan, state: BayesState, config: BayesCheckConfig): Promise<void> {
  if (!config.autolearn.enabled || !scan.message) return;
  const decision = autolearnClass(scan.result, config.autolearn);
  if (decision.cls === undefined) return;
  const cls = decision.cls;
  const user = state.service.userFor(scan.request);
  try {
    const totals = await state.service.totals({ user });
    if (!keepsBalance(cls, totals, config.autolearn.balance_ratio)) {
      scan.log.debug({ cls, nspam: totals.nspam, nham: totals.nham }, 'autolearn skipped: classes would be out of balance');
      return;
    }
    const outcome = await state.service.learn(scan.message, cls, { user, mode: 'auto' });
    if (outcome === 'learned' || outcome === 'relearned') await state.store.counters.add({ learned: 1, [`learned:${cls}`]: 1 });
    scan.log.debug({ cls, outcome, score: decision.score }, 'autolearn');
    state.autolearnIncident.succeeded(state.log, () => 'autolearn recovered');
  } catch (err) {
    state.autolearnIncident.failed(state.log, 'error', { err: String(err) }, 'autolearn failed; scans go on without learning');
  }
}

export const bayesCheck = defineCheck<BayesSymbol, BayesCheckConfig, BayesState>({
  name: BAYES_CHECK_NAME,
  description: 'Statistical classifier (online logistic regression or Robinson-Fisher) trained by learn_spam/learn_ham and autolearn',
  phase: 'classifier',
  needsMessage: true,
  configSchema: bayesConfigSchema,
  symbols,
  setup({ config, ctx, log }) {
    const service = createBayesService(ctx.store, serviceConfig(config), ctx.clock);
    const prune = config.prune.enabled ? startPruneTimer(ctx.store, config.prune.interval_hours, pruneOptions(config.prune), ctx.clock, log) : undefined;
    return { service, store: ctx.store, prune, autolearnIncident: new IncidentLog(), log };
  },
  async run(task, state, config) {
    const m = task.message;
    if (!m) return;
    const verdict = await state.service.classify(m, { user: state.service.userFor(task.request) });
    const e = evidenceFor(verdict, resolvedCutoffs(config));
    // The strongest tokens ride along after the probability, so an explanation of a history row can name them.
    task.hit(e.symbol, verdict.active ? [...e.options, ...verdict.topTokens.slice(0, TOKEN_OPTIONS).map(tokenOption)] : e.options, e.multiplier);
    if (verdict.active) task.log.debug({ p: verdict.probability, top: verdict.topTokens.slice(0, 5), user: verdict.user }, 'bayes');
  },
  afterScan: autolearn,
  close(state) {
    state.prune?.stop();
  },
});

/** The running classifier service of an engine's bayes check, for the controller's learn routes; undefined when the check is disabled. */
export function bayesServiceOf(engine: Pick<Engine, 'checks'>): BayesService | undefined {
  const loaded = engine.checks.find((c) => c.def.name === BAYES_CHECK_NAME);
  return (loaded?.state as BayesState | undefined)?.service;
}
