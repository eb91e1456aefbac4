// Robinson-Fisher over a TokenStore: per-token spam/ham counts are read for each message and Fisher-combined; learning counts the message's tokens.

import { BOGOFILTER_PARAMS, ROBINSON_THRESHOLDS, combine, type RobinsonParams } from './robinson-fisher.ts';
import type { StoredLearn, StoredModel, StoredStats } from './stored-model.ts';
import type { Classification, Thresholds } from './types.ts';
import type { LearnOutcome, TokenClass, TokenNamespace, TokenStore, TokenTotals } from '../storage/interfaces.ts';

export class StoredRobinson implements StoredModel {
  readonly thresholds: Readonly<Thresholds>;
  readonly #tokens: TokenStore;
  readonly #params: RobinsonParams;

  constructor(tokens: TokenStore, params: Partial<RobinsonParams> = {}, thresholds: Partial<Thresholds> = {}) {
    this.#tokens = tokens;
    this.#params = { ...BOGOFILTER_PARAMS, ...params };
    this.thresholds = Object.freeze({ ...ROBINSON_THRESHOLDS, ...thresholds });
  }

  async classify(tokens: readonly string[], ns: TokenNamespace): Promise<{ classification: Classification } & TokenTotals> {
    const lookup = await this.#tokens.get([...tokens], ns);
    return { classification: combine(tokens, lookup, this.#params, this.thresholds), nspam: lookup.nspam, nham: lookup.nham };
  }

  async totals(ns: TokenNamespace): Promise<TokenTotals> {
    const { nspam, nham } = await this.#tokens.get([], ns);
    return { nspam, nham };
  }

  /** Counting is exact, so unlearn and relearn are exact too; the store moves a relearned message's counts atomically. */
  learn(tokens: readonly string[], cls: TokenClass, o: StoredLearn): Promise<LearnOutcome> {
    return this.#tokens.learn({ tokens: [...tokens], cls, delta: o.delta, sig: o.sig, now: o.now, user: o.ns.user });
  }

  async stats(ns: TokenNamespace): Promise<StoredStats> {
    const s = await this.#tokens.stats(ns);
    return { nspam: s.nspam, nham: s.nham, used: s.tokens, total: s.maxTokens, signatures: s.signatures };
  }

  users(): Promise<string[]> {
    return this.#tokens.users();
  }
}
