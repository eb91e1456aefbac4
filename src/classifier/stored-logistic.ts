// Online logistic regression over a WeightStore: a message's tokens hash to buckets, the stored weights give its probability, and a learn applies the gradient step the in-memory model (logistic.ts) would take; sessions batch learns, snapshots classify from memory.

import {
  DEFAULT_LOGISTIC_PARAMS,
  LOGISTIC_THRESHOLDS,
  checkBits,
  clampLogOdds,
  learnStep,
  sigmoid,
  type LogisticParams,
} from './logistic.ts';
import type { SessionLearn, StoredLearn, StoredLearnSession, StoredModel, StoredSnapshot, StoredStats } from './stored-model.ts';
import { loadWeights, type WeightSnapshot } from './weight-table.ts';
import { featuresOf, topTokens, type Features } from './features.ts';
import { verdictFor, type Classification, type Thresholds } from './types.ts';
import type { LearnOutcome, TokenClass, TokenNamespace, TokenTotals, WeightStore, WeightUpdate } from '../storage/interfaces.ts';

/** Weights of a message's buckets (same order as Features.buckets) and the bias. */
interface Weights {
  weights: ArrayLike<number>;
  bias: number;
}

function logOdds(f: Features, look: Weights): number {
  let z = 0;
  for (let i = 0; i < f.buckets.length; i++) z += f.mult[i] * look.weights[i];
  return clampLogOdds(z * f.scale + look.bias);
}

function classification(f: Features, look: Weights, thresholds: Thresholds): Classification {
  const z = logOdds(f, look);
  const probability = sigmoid(z);
  return { probability, score: z, verdict: verdictFor(probability, thresholds), topTokens: topTokens(f, look.weights) };
}

function tableWeights(f: Features, snap: WeightSnapshot): Weights {
  const weights = new Float64Array(f.buckets.length);
  for (let i = 0; i < f.buckets.length; i++) weights[i] = snap.table.get(f.buckets[i]);
  return { weights, bias: snap.bias };
}

/** Where a session reads the weights its steps are computed from, and records the steps it queued. */
interface WeightView {
  read(f: Features): Weights | Promise<Weights>;
  add(u: WeightUpdate): void;
  /** The queued steps are in the store now. */
  committed(): void;
}

/** The whole namespace in memory, kept current by the session's own steps. */
class TableView implements WeightView {
  readonly #snap: WeightSnapshot;
  constructor(snap: WeightSnapshot) {
    this.#snap = snap;
  }
  read(f: Features): Weights {
    return tableWeights(f, this.#snap);
  }
  add(u: WeightUpdate): void {
    for (let i = 0; i < u.buckets.length; i++) this.#snap.table.add(u.buckets[i], u.deltas[i]);
    this.#snap.bias += u.biasDelta;
  }
  committed(): void {}
}

/** Store reads plus the steps queued but not yet committed. */
class OverlayView implements WeightView {
  readonly #store: WeightStore;
  readonly #ns: TokenNamespace;
  readonly #pending = new Map<number, number>();
  #bias = 0;
  constructor(store: WeightStore, ns: TokenNamespace) {
    this.#store = store;
    this.#ns = ns;
  }
  async read(f: Features): Promise<Weights> {
    const look = await this.#store.read(f.buckets, this.#ns);
    if (this.#pending.size > 0) f.buckets.forEach((b, i) => (look.weights[i] += this.#pending.get(b) ?? 0));
    return { weights: look.weights, bias: look.bias + this.#bias };
  }
  add(u: WeightUpdate): void {
    u.buckets.forEach((b, i) => this.#pending.set(b, (this.#pending.get(b) ?? 0) + u.deltas[i]));
    this.#bias += u.biasDelta;
  }
  committed(): void {
    this.#pending.clear();
    this.#bias = 0;
  }
}

class LogisticSession implements StoredLearnSession {
  readonly #store: WeightStore;
  readonly #ns: TokenNamespace;
  readonly #params: LogisticParams;
  readonly #view: WeightView;
  #queue: WeightUpdate[] = [];
  /** Per learn since the last commit: an outcome decided without the store, or the index of its queued update. */
  #order: (LearnOutcome | number)[] = [];
  /** Signatures learned (class) or unlearned (null) by queued updates. */
  #sigs = new Map<string, TokenClass | null>();

  constructor(store: WeightStore, ns: TokenNamespace, params: LogisticParams, view: WeightView) {
    this.#store = store;
    this.#ns = ns;
    this.#params = params;
    this.#view = view;
  }

  get pending(): number {
    return this.#order.length;
  }

  async add(tokens: readonly string[], cls: TokenClass, o: SessionLearn): Promise<void> {
    const queued = this.#sigs.get(o.sig);
    const prior = queued === undefined ? await this.#store.isLearned(o.sig, this.#ns) : (queued ?? undefined);
    const decided = skipOutcome(cls, o.delta, prior);
    if (decided) {
      this.#order.push(decided);
      return;
    }
    const f = featuresOf(tokens, this.#params);
    const update = stepUpdate(f, await this.#view.read(f), cls, prior, { ...o, ns: this.#ns }, this.#params);
    this.#view.add(update);
    this.#sigs.set(o.sig, o.delta > 0 ? cls : null);
    this.#order.push(this.#queue.length);
    this.#queue.push(update);
  }

  async commit(): Promise<LearnOutcome[]> {
    const done = this.#queue.length > 0 ? await this.#store.applyBatch(this.#queue) : [];
    const out = this.#order.map((x) => (typeof x === 'number' ? done[x] : x));
    this.#view.committed();
    this.#queue = [];
    this.#order = [];
    this.#sigs.clear();
    return out;
  }
}

/** The outcome of a learn that changes nothing (the signature rule), decided before any step is computed. */
function skipOutcome(cls: TokenClass, delta: 1 | -1, prior: TokenClass | undefined): LearnOutcome | undefined {
  if (delta > 0 && prior === cls) return 'already';
  if (delta < 0 && prior !== cls) return 'not-learned';
  return undefined;
}

/** The store update of one learn: the gradient step for the message given its current weights. */
function stepUpdate(f: Features, look: Weights, cls: TokenClass, prior: TokenClass | undefined, o: StoredLearn, params: LogisticParams): WeightUpdate {
  const p = sigmoid(logOdds(f, look));
  const step = learnStep(p, cls === 'spam', o.delta, params, o.force || prior !== undefined);
  const w = step * f.scale;
  return {
    buckets: step === 0 ? [] : f.buckets,
    deltas: step === 0 ? [] : f.mult.map((m) => m * w),
    biasDelta: w,
    cls,
    delta: o.delta,
    sig: o.sig,
    now: o.now,
    user: o.ns.user,
  };
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
    return { classification: classification(f, look, this.thresholds), nspam: look.nspam, nham: look.nham };
  }

  async snapshot(ns: TokenNamespace): Promise<StoredSnapshot> {
    const snap = await loadWeights(this.#weights, ns, this.params.bits);
    const { params, thresholds } = this;
    return {
      nspam: snap.nspam,
      nham: snap.nham,
      classify: (tokens) => {
        const f = featuresOf(tokens, params);
        return classification(f, tableWeights(f, snap), thresholds);
      },
    };
  }

  async size(ns: TokenNamespace): Promise<number> {
    return (await this.#weights.stats(ns)).buckets;
  }

  async openSession(ns: TokenNamespace, inMemory: boolean): Promise<StoredLearnSession> {
    const view = inMemory ? new TableView(await loadWeights(this.#weights, ns, this.params.bits)) : new OverlayView(this.#weights, ns);
    return new LogisticSession(this.#weights, ns, this.params, view);
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
    const decided = skipOutcome(cls, o.delta, prior);
    if (decided) return decided;
    const f = featuresOf(tokens, this.params);
    const look = await this.#weights.read(f.buckets, o.ns);
    return this.#weights.apply(stepUpdate(f, look, cls, prior, o, this.params));
  }

  async stats(ns: TokenNamespace): Promise<StoredStats> {
    const s = await this.#weights.stats(ns);
    return { nspam: s.nspam, nham: s.nham, used: s.buckets, total: s.maxBuckets, signatures: s.signatures };
  }

  users(): Promise<string[]> {
    return this.#weights.users();
  }
}
