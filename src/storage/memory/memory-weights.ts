// In-memory WeightStore (unit tests only): the reference semantics the SQLite and Redis weight stores match.

import type {
  LearnOutcome,
  PruneResult,
  TokenClass,
  TokenNamespace,
  WeightDumpRow,
  WeightPage,
  WeightLookup,
  WeightPruneOptions,
  WeightStats,
  WeightStore,
  WeightUpdate,
} from '../interfaces.ts';
import { namespaceOf, SCAN_PAGE } from '../rules.ts';
import { expireSignatures, type SignatureMap, signatureRows, sortedUsers } from './signatures.ts';
import {
  assertBucket,
  assertBuckets,
  assertWeight,
  checkUpdate,
  outcomeOf,
  type CheckedUpdate,
  resolveWeightPrune,
  totalsChange,
  trimStep,
  WEIGHT_EPSILON,
} from '../weight-rules.ts';

interface WeightRow {
  weight: number;
  day: number;
}

interface Namespace {
  weights: Map<number, WeightRow>;
  bias: number;
  nspam: number;
  nham: number;
  sigs: SignatureMap;
  trimming: boolean;
}

/** Trimming order shared by all backends: oldest day first, then smallest |weight|, then bucket. */
function trimOrder(a: [number, WeightRow], b: [number, WeightRow]): number {
  return a[1].day - b[1].day || Math.abs(a[1].weight) - Math.abs(b[1].weight) || a[0] - b[0];
}

export class MemoryWeightStore implements WeightStore {
  readonly #spaces = new Map<string, Namespace>();
  readonly #maxBuckets: number;

  constructor(maxBuckets: number) {
    this.#maxBuckets = maxBuckets;
  }

  #space(name: string): Namespace {
    let ns = this.#spaces.get(name);
    if (!ns) {
      ns = { weights: new Map(), bias: 0, nspam: 0, nham: 0, sigs: new Map(), trimming: false };
      this.#spaces.set(name, ns);
    }
    return ns;
  }

  async read(buckets: readonly number[], opts: TokenNamespace = {}): Promise<WeightLookup> {
    assertBuckets(buckets);
    const ns = this.#spaces.get(namespaceOf(opts.user));
    return {
      weights: buckets.map((b) => ns?.weights.get(b)?.weight ?? 0),
      bias: ns?.bias ?? 0,
      nspam: ns?.nspam ?? 0,
      nham: ns?.nham ?? 0,
    };
  }

  async apply(update: WeightUpdate): Promise<LearnOutcome> {
    return this.#apply(checkUpdate(update));
  }

  /** The reference: sequential applies, after checking every update. */
  async applyBatch(updates: readonly WeightUpdate[]): Promise<LearnOutcome[]> {
    const checked = updates.map(checkUpdate);
    return checked.map((u) => this.#apply(u));
  }

  #apply(u: CheckedUpdate): LearnOutcome {
    const ns = this.#space(u.ns);
    const prev = u.sig === undefined ? undefined : ns.sigs.get(u.sig)?.cls;
    const outcome = outcomeOf(u, prev);
    if (outcome === 'already' || outcome === 'not-learned') return outcome;
    for (let i = 0; i < u.buckets.length; i++) {
      const w = (ns.weights.get(u.buckets[i])?.weight ?? 0) + u.deltas[i];
      if (Math.abs(w) < WEIGHT_EPSILON) ns.weights.delete(u.buckets[i]);
      else ns.weights.set(u.buckets[i], { weight: w, day: u.day });
    }
    ns.bias += u.biasDelta;
    const t = totalsChange(u.cls, u.delta, prev);
    ns.nspam = Math.max(0, ns.nspam + t.spam);
    ns.nham = Math.max(0, ns.nham + t.ham);
    if (u.sig !== undefined) {
      if (outcome === 'unlearned') ns.sigs.delete(u.sig);
      else ns.sigs.set(u.sig, { cls: u.cls, day: u.day });
    }
    this.#trim(ns, false);
    return outcome;
  }

  /** One trim step (apply), or every step until under trimTarget (prune, load). */
  #trim(ns: Namespace, toTarget: boolean): number {
    let removed = 0;
    for (;;) {
      const step = trimStep(ns.weights.size, this.#maxBuckets, ns.trimming, toTarget);
      ns.trimming = step.trimming;
      if (step.remove > 0) {
        for (const [b] of [...ns.weights].sort(trimOrder).slice(0, step.remove)) ns.weights.delete(b);
        removed += step.remove;
      }
      if (!toTarget || !step.trimming) return removed;
    }
  }

  async isLearned(sig: string, opts: TokenNamespace = {}): Promise<TokenClass | undefined> {
    return this.#spaces.get(namespaceOf(opts.user))?.sigs.get(sig)?.cls;
  }

  async prune(opts: WeightPruneOptions = {}): Promise<PruneResult> {
    const p = resolveWeightPrune(opts);
    const ns = this.#spaces.get(namespaceOf(opts.user));
    if (!ns) return { tokensRemoved: 0, signaturesRemoved: 0 };
    let tokensRemoved = 0;
    for (const [b, row] of ns.weights) {
      if (row.day < p.staleBeforeDay && Math.abs(row.weight) <= p.minAbsWeight) {
        ns.weights.delete(b);
        tokensRemoved++;
      }
    }
    tokensRemoved += this.#trim(ns, true);
    const signaturesRemoved = expireSignatures(ns.sigs, p.signatureBeforeDay);
    return { tokensRemoved, signaturesRemoved };
  }

  async stats(opts: TokenNamespace = {}): Promise<WeightStats> {
    const ns = this.#spaces.get(namespaceOf(opts.user));
    return {
      buckets: ns?.weights.size ?? 0,
      nspam: ns?.nspam ?? 0,
      nham: ns?.nham ?? 0,
      signatures: ns?.sigs.size ?? 0,
      maxBuckets: this.#maxBuckets,
    };
  }

  async users(): Promise<string[]> {
    return sortedUsers(this.#spaces);
  }

  async *dump(opts: TokenNamespace = {}): AsyncIterable<WeightDumpRow> {
    const ns = this.#spaces.get(namespaceOf(opts.user));
    yield { type: 'totals', nspam: ns?.nspam ?? 0, nham: ns?.nham ?? 0, bias: ns?.bias ?? 0 };
    if (!ns) return;
    for (const bucket of [...ns.weights.keys()].sort((a, b) => a - b)) {
      const row = ns.weights.get(bucket);
      if (row) yield { type: 'weight', bucket, weight: row.weight, lastDay: row.day };
    }
    yield* signatureRows(ns.sigs);
  }

  async *scan(opts: TokenNamespace = {}): AsyncIterable<WeightPage> {
    const ns = this.#spaces.get(namespaceOf(opts.user));
    const rows = [...(ns?.weights ?? [])];
    for (let i = 0; i < rows.length; i += SCAN_PAGE) {
      const page = rows.slice(i, i + SCAN_PAGE);
      yield { buckets: page.map(([b]) => b), weights: page.map(([, r]) => r.weight) };
    }
  }

  async load(rows: AsyncIterable<WeightDumpRow> | Iterable<WeightDumpRow>, opts: TokenNamespace = {}): Promise<number> {
    const ns = this.#space(namespaceOf(opts.user));
    let n = 0;
    for await (const row of rows) {
      n++;
      if (row.type === 'totals') {
        assertWeight('bias', row.bias);
        ns.nspam = row.nspam;
        ns.nham = row.nham;
        ns.bias = row.bias;
      } else if (row.type === 'weight') {
        assertBucket(row.bucket);
        assertWeight('weight', row.weight);
        if (Math.abs(row.weight) < WEIGHT_EPSILON) ns.weights.delete(row.bucket);
        else ns.weights.set(row.bucket, { weight: row.weight, day: row.lastDay });
      } else {
        ns.sigs.set(row.sig, { cls: row.cls, day: row.day });
      }
    }
    this.#trim(ns, true);
    return n;
  }
}
