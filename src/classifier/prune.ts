// Prunes the classifier statistics of both models in every namespace (rare stale tokens, small stale weights, old signatures).

import type { PruneResult, TokenStore, WeightStore } from '../storage/interfaces.ts';
import type { BayesModelName } from './service-types.ts';

export interface PruneAllOptions {
  /** Milliseconds since the epoch; default now. */
  now?: number;
  staleDays?: number;
  /** Robinson-Fisher: a stale token with spam + ham at most this goes. */
  rareMax?: number;
  /** Logistic: a stale bucket with |weight| at most this goes. */
  minAbsWeight?: number;
  signatureMaxAgeDays?: number;
  /** Only this namespace ('' = site-wide); default every namespace. */
  user?: string;
  /** Only this model's statistics; default both. */
  model?: BayesModelName;
}

export interface PruneReport {
  tokens: PruneResult;
  weights: PruneResult;
}

/** '' in a store's users() list is the site-wide namespace, which the prune options name as undefined. */
function nsArg(name: string): string | undefined {
  return name === '' ? undefined : name;
}

export async function pruneAll(store: { tokens: TokenStore; weights: WeightStore }, o: PruneAllOptions = {}): Promise<PruneReport> {
  const out: PruneReport = { tokens: { tokensRemoved: 0, signaturesRemoved: 0 }, weights: { tokensRemoved: 0, signaturesRemoved: 0 } };
  const pick = (users: string[]) => (o.user === undefined ? users : users.filter((u) => u === o.user));
  const tokenUsers = o.model === 'logistic' ? [] : pick(await store.tokens.users());
  const weightUsers = o.model === 'robinson-fisher' ? [] : pick(await store.weights.users());
  for (const name of tokenUsers) {
    const r = await store.tokens.prune({ user: nsArg(name), now: o.now, staleDays: o.staleDays, rareMax: o.rareMax, signatureMaxAgeDays: o.signatureMaxAgeDays });
    out.tokens.tokensRemoved += r.tokensRemoved;
    out.tokens.signaturesRemoved += r.signaturesRemoved;
  }
  for (const name of weightUsers) {
    const r = await store.weights.prune({
      user: nsArg(name),
      now: o.now,
      staleDays: o.staleDays,
      minAbsWeight: o.minAbsWeight,
      signatureMaxAgeDays: o.signatureMaxAgeDays,
    });
    out.weights.tokensRemoved += r.tokensRemoved;
    out.weights.signaturesRemoved += r.signaturesRemoved;
  }
  return out;
}
