// Online logistic regression over a WeightStore: a message's tokens hash to buckets, the stored weights give its probability, and a learn applies the gradient step the in-memory model (logistic.ts) would take.

import {
  DEFAULT_LOGISTIC_PARAMS,
  LOGISTIC_THRESHOLDS,
  bucketsOf,
  checkBits,
  clampLogOdds,
  featureScale,
  learnStep,
  sigmoid,
  type LogisticParams,
} from './logistic.ts';
import type { StoredLearn, StoredModel, StoredStats } from './stored-model.ts';
import { TOP_TOKENS, verdictFor, type Classification, type Thresholds, type TokenWeight } from './types.ts';
import type { LearnOutcome, TokenClass, TokenNamespace, TokenTotals, WeightLookup, WeightStore } from '../storage/interfaces.ts';

/** A message as the model sees it: each distinct bucket once, with how many of the message's tokens fell in it. */
interface Features {
  buckets: number[];
  /** Tokens per bucket (colliding tokens add up, as in the in-memory model). */
  mult: number[];
  /** First token that hashed to each bucket, for explanations. */
  token: string[];
  scale: number;
}

function featuresOf(tokens: readonly string[], params: LogisticParams): Features {
  const idx = bucketsOf(tokens, params.bits);
  const at = new Map<number, number>();
  const f: Features = { buckets: [], mult: [], token: [], scale: featureScale(idx.length, params.normalize) };
  for (let i = 0; i < idx.length; i++) {
    const seen = at.get(idx[i]);
    if (seen !== undefined) {
      f.mult[seen]++;
      continue;
    }
    at.set(idx[i], f.buckets.length);
    f.buckets.push(idx[i]);
    f.mult.push(1);
    f.token.push(tokens[i]);
  }
  return f;
}

function logOdds(f: Features, look: WeightLookup): number {
  let z = 0;
  for (let i = 0; i < f.buckets.length; i++) z += f.mult[i] * look.weights[i];
  return clampLogOdds(z * f.scale + look.bias);
}

export class StoredLogistic implements StoredModel {
  readonly thresholds: Readonly<Thresholds>;
  readonly params: Readonly<LogisticParams>;
  readonly #weights: WeightStore;

  constructor(weights: WeightStore, params: Partial<LogisticParams> = {}, thresholds: Partial<Thresholds> = {}) {
    this.#weights = weights;
    this.params = Object.freeze({ ...DEFAULT_LOGISTIC_PARAMS, ...params });
    checkBits(this.params.bits);
    this.thresholds = Object.freeze({ ...LOGISTIC_THRESHOLDS, ...thresholds });
  }

  async classify(tokens: readonly string[], ns: TokenNamespace): Promise<{ classification: Classification } & TokenTotals> {
    const f = featuresOf(tokens, this.params);
    const look = await this.#weights.read(f.buckets, ns);
    const z = logOdds(f, look);
    const probability = sigmoid(z);
    const top: TokenWeight[] = [];
    for (let i = 0; i < f.buckets.length; i++) {
      const weight = look.weights[i] * f.scale;
      if (weight !== 0) top.push({ token: f.token[i], weight });
    }
    top.sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight));
    if (top.length > TOP_TOKENS) top.length = TOP_TOKENS;
    return {
      classification: { probability, score: z, verdict: verdictFor(probability, this.thresholds), topTokens: top },
      nspam: look.nspam,
      nham: look.nham,
    };
  }

  async totals(ns: TokenNamespace): Promise<TokenTotals> {
    const { nspam, nham } = await this.#weights.read([], ns);
    return { nspam, nham };
  }

  /**
   * Reads the message's weights, computes the step the online model takes, and applies it with the signature
   * in one atomic store update (the store re-checks the signature, so two workers learning the same message
   * at once count it once).
   *
   * - learn: one gradient step toward the class; with `force` (explicit training) always, else only while
   *   the model's probability for the class is below `trainBelow` (thick threshold). A skipped step still
   *   records the message (totals, signature): it was learned, the model just had nothing to change.
   * - relearn (the signature is known as the other class): the totals and signature move, and the model takes
   *   one full step toward the new class. The earlier step is not taken back exactly; the new step is large
   *   because the model still leans the old way.
   * - unlearn: one step of the same form away from the class. Logistic regression cannot forget exactly, so
   *   this is approximate; relearn as the other class is the better correction for a misfiled message.
   */
  async learn(tokens: readonly string[], cls: TokenClass, o: StoredLearn): Promise<LearnOutcome> {
    const prior = await this.#weights.isLearned(o.sig, o.ns);
    if (o.delta > 0 && prior === cls) return 'already';
    if (o.delta < 0 && prior !== cls) return 'not-learned';
    const f = featuresOf(tokens, this.params);
    const look = await this.#weights.read(f.buckets, o.ns);
    const p = sigmoid(logOdds(f, look));
    const step = learnStep(p, cls === 'spam', o.delta, this.params, o.force || prior !== undefined);
    const w = step * f.scale;
    return this.#weights.apply({
      buckets: step === 0 ? [] : f.buckets,
      deltas: step === 0 ? [] : f.mult.map((m) => m * w),
      biasDelta: w,
      cls,
      delta: o.delta,
      sig: o.sig,
      now: o.now,
      user: o.ns.user,
    });
  }

  async stats(ns: TokenNamespace): Promise<StoredStats> {
    const s = await this.#weights.stats(ns);
    return { nspam: s.nspam, nham: s.nham, used: s.buckets, total: s.maxBuckets, signatures: s.signatures };
  }

  users(): Promise<string[]> {
    return this.#weights.users();
  }
}
