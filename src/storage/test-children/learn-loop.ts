// Child process for crash tests: learns distinct messages in a loop until killed; argv: sqlite <path> | redis <prefix>, then the batch size (1: learn, more: learnBatch).

import type { LearnRequest } from '../interfaces.ts';
import { crashLoop } from './crash-loop.ts';

/** Big messages so that most of the child's time is spent inside a learn transaction. */
export const TOKENS_PER_MESSAGE = 300;
export const PAIR_TOKENS = 50;
const limits = { historySize: 10, maxTokens: 10_000_000, maxWeightBuckets: 10_000_000 };

function request(i: number): LearnRequest {
  const tokens = ['common', `pair-${i % PAIR_TOKENS}`];
  for (let j = 0; tokens.length < TOKENS_PER_MESSAGE; j++) tokens.push(`m${i}-t${j}`);
  return { tokens, cls: 'spam', sig: `msg-${i}`, now: Date.now() };
}

await crashLoop(
  limits,
  request,
  (store, r) => store.tokens.learn(r),
  (store, rs) => store.tokens.learnBatch(rs),
);
