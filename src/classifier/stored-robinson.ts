// Robinson-Fisher over a TokenStore: per-token spam/ham counts are read for each message (or from an in-memory snapshot) and Fisher-combined; learning counts the message's tokens.

import { BOGOFILTER_PARAMS, ROBINSON_THRESHOLDS, combine, type RobinsonParams } from './robinson-fisher.ts';
import type { StoredLearn, StoredLearnSession, StoredModel, StoredSnapshot, StoredStats } from './stored-model.ts';
import type { Classification, Thresholds } from './types.ts';
import type { LearnOutcome, LearnRequest, TokenClass, TokenCounts, TokenNamespace, TokenStore, TokenTotals } from '../storage/interfaces.ts';

const NO_COUNTS: Readonly<TokenCounts> = Object.freeze({ spam: 0, ham: 0 });

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

  async snapshot(ns: TokenNamespace): Promise<StoredSnapshot> {
    const { nspam, nham } = await this.#tokens.get([], ns);
    const counts = new Map<string, TokenCounts>();
    for await (const page of this.#tokens.scan(ns)) {
      const { tokens, spam, ham } = page;
      for (let i = 0; i < tokens.length; i++) counts.set(tokens[i], { spam: spam[i], ham: ham[i] });
    }
    const params = this.#params;
    const thresholds = this.thresholds;
    return {
      nspam,
      nham,
      classify: (tokens) => combine(tokens, { nspam, nham, counts: tokens.map((t) => counts.get(t) ?? NO_COUNTS) }, params, thresholds),
    };
  }

  async size(ns: TokenNamespace): Promise<number> {
    return (await this.#tokens.stats(ns)).tokens;
  }

  /** Counting needs no reads, so a session only queues: `inMemory` changes nothing. */
  async openSession(ns: TokenNamespace): Promise<StoredLearnSession> {
    const store = this.#tokens;
    let queue: LearnRequest[] = [];
    return {
      get pending() {
        return queue.length;
      },
      async add(tokens, cls, o) {
        queue.push({ tokens: [...tokens], cls, delta: o.delta, sig: o.sig, now: o.now, user: ns.user });
      },
      async commit() {
        const batch = queue;
        queue = [];
        return batch.length > 0 ? store.learnBatch(batch) : [];
      },
    };
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
