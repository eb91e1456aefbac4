// The aggregate handle a backend returns: one object holding every purpose-named store.

import type {
  CounterStore,
  FuzzyStore,
  GreylistStore,
  HistoryStore,
  RateStore,
  StoreHealth,
  TokenStore,
  WeightStore,
} from './interfaces.ts';
import type { SpamdStore } from './spamd-interfaces.ts';
import type { SeriesStore } from './series-interfaces.ts';

export interface Store {
  counters: CounterStore;
  history: HistoryStore;
  tokens: TokenStore;
  /** Weights of the logistic-regression classifier (the default Bayes model). */
  weights: WeightStore;
  greylist: GreylistStore;
  rate: RateStore;
  fuzzy: FuzzyStore;
  /** The SMTP front's spamd database (grey tuples, WHITE/TRAPPED IPs, spamtraps). */
  spamd: SpamdStore;
  /** Action counts over time for the controller's throughput graph (minute/hour/day roll-ups). */
  series: SeriesStore;
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}

/** Sizes every backend honours; openStore takes them from config. */
export interface StoreLimits {
  /** History ring length. */
  historySize: number;
  /** Most tokens one Bayes namespace may hold. */
  maxTokens: number;
  /** Most non-zero weight buckets one classifier namespace may hold. */
  maxWeightBuckets: number;
}
