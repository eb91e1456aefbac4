// Child process for crash tests: applies distinct messages to the WeightStore in a loop until killed; argv: sqlite <path> | redis <prefix>, then the batch size (1: apply, more: applyBatch).

import type { WeightUpdate } from '../interfaces.ts';
import { crashLoop } from './crash-loop.ts';

/** Buckets per apply: the shared bucket 0, one of PAIR_BUCKETS pair buckets, the rest its own. */
const BUCKETS_PER_APPLY = 240;
const PAIR_BUCKETS = 50;
/** Own buckets of apply i start at FIRST_OWN_BUCKET + i * OWN_BUCKETS. */
const FIRST_OWN_BUCKET = 1000;
const OWN_BUCKETS = BUCKETS_PER_APPLY - 2;
const limits = { historySize: 10, maxTokens: 1000, maxWeightBuckets: 100_000_000 };

function update(i: number): WeightUpdate {
  const buckets = [0, 1 + (i % PAIR_BUCKETS)];
  const deltas = [1, 1];
  for (let j = 0; j < OWN_BUCKETS; j++) {
    buckets.push(FIRST_OWN_BUCKET + i * OWN_BUCKETS + j);
    deltas.push(0.5);
  }
  return { buckets, deltas, biasDelta: 1, cls: 'spam', sig: `msg-${i}`, now: Date.now() };
}

await crashLoop(
  limits,
  update,
  (store, u) => store.weights.apply(u),
  (store, us) => store.weights.applyBatch(us),
);
