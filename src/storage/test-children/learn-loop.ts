// Child process for crash tests: learns distinct messages in a loop until killed; argv: sqlite <path> | redis <prefix>, then the batch size (1: learn, more: learnBatch).

import { storeConfigSchema } from '../config.ts';
import { openRedisStore } from '../redis/redis-store.ts';
import { openSqliteStore } from '../sqlite/sqlite-store.ts';
import type { LearnRequest } from '../interfaces.ts';
import type { Store } from '../store.ts';

/** Big messages so that most of the child's time is spent inside a learn transaction. */
export const TOKENS_PER_MESSAGE = 300;
export const PAIR_TOKENS = 50;
const limits = { historySize: 10, maxTokens: 10_000_000, maxWeightBuckets: 10_000_000 };

const [backend, target, batchArg] = process.argv.slice(2);
const batchSize = Number(batchArg ?? 1);
let store: Store;
if (backend === 'sqlite') {
  store = openSqliteStore(target, limits);
} else {
  const cfg = storeConfigSchema.parse({ backend: 'redis', host: '127.0.0.1', port: 6379, prefix: target });
  if (cfg.backend !== 'redis') throw new Error('unreachable');
  store = await openRedisStore(cfg, limits);
}

function request(i: number): LearnRequest {
  const tokens = ['common', `pair-${i % PAIR_TOKENS}`];
  for (let j = 0; tokens.length < TOKENS_PER_MESSAGE; j++) tokens.push(`m${i}-t${j}`);
  return { tokens, cls: 'spam', sig: `msg-${i}`, now: Date.now() };
}

process.send?.('ready');
for (let i = 0; ; i += batchSize) {
  if (batchSize === 1) await store.tokens.learn(request(i));
  else await store.tokens.learnBatch(Array.from({ length: batchSize }, (_, k) => request(i + k)));
}
