// Purpose-named storage interfaces; every backend (sqlite, redis, memory) implements all of them and passes storage/contract.

import type { Action } from '../core/types.ts';

/** Monotonic named counters (scanned, actions, learned...), shared by every worker process. */
export interface CounterStore {
  add(deltas: Record<string, number>): Promise<void>;
  getAll(): Promise<Record<string, number>>;
  reset(): Promise<void>;
}

/** One scan as kept in history (rspamd `/history` row shape, camelCased). */
export interface HistoryEntry {
  id: string;
  unixTime: number;
  clientIp?: string;
  senderSmtp?: string;
  senderMime?: string;
  rcptSmtp: string[];
  rcptMime: string[];
  subject?: string;
  messageId?: string;
  score: number;
  requiredScore: number;
  action: Action;
  size: number;
  timeMs: number;
  user?: string;
  isSkipped: boolean;
  symbols: Record<string, { score: number; options: string[] }>;
}

/** Bounded ring of the most recent scan results. */
export interface HistoryStore {
  push(entry: HistoryEntry): Promise<void>;
  /**
   * Appends several entries, oldest first, in one write (one transaction or pipeline): the same ring as pushing
   * them one by one, for recorders that buffer rows under load.
   */
  pushMany(entries: readonly HistoryEntry[]): Promise<void>;
  /** Newest first. */
  recent(limit: number, offset?: number): Promise<HistoryEntry[]>;
  count(): Promise<number>;
  clear(): Promise<void>;
}

/** One page of a listing plus the number of live entries in the whole listing. */
export interface Page<T> {
  items: T[];
  total: number;
}

export interface PageRequest {
  offset?: number;
  limit?: number;
}

// ---------------------------------------------------------------------------------------------
// Bayesian token store

export type TokenClass = 'spam' | 'ham';

export interface TokenCounts {
  spam: number;
  ham: number;
}

/** Learned-message totals of one namespace. */
export interface TokenTotals {
  nspam: number;
  nham: number;
}

/** What `get` returns: the namespace totals and one TokenCounts per requested token, same order. */
export interface TokenLookup extends TokenTotals {
  counts: TokenCounts[];
}

/** Namespace selector: omitted or undefined user means the site-wide namespace. */
export interface TokenNamespace {
  user?: string;
}

export interface LearnRequest extends TokenNamespace {
  /** The message's tokens; duplicates are counted once (a token counts once per message). */
  tokens: string[];
  cls: TokenClass;
  /** +1 learns, -1 unlearns. Default +1. */
  delta?: 1 | -1;
  /** Message signature (e.g. a digest of Message-ID + body); with it a message is never learned twice. */
  sig?: string;
  /** Milliseconds since the epoch; sets the tokens' last-seen day. Default Date.now(). */
  now?: number;
}

/**
 * learned: counted now; already: this sig is already learned as this class, nothing changed;
 * relearned: the sig was learned as the other class and has been moved; unlearned: removed;
 * not-learned: an unlearn for a sig not learned as that class, nothing changed.
 */
export type LearnOutcome = 'learned' | 'already' | 'relearned' | 'unlearned' | 'not-learned';

export interface PruneOptions extends TokenNamespace {
  /** Milliseconds since the epoch. Default Date.now(). */
  now?: number;
  /** A token is stale when its last-seen day is more than this many days ago. */
  staleDays?: number;
  /** A token is rare when spam + ham is at most this. */
  rareMax?: number;
  /** Learned-message signatures older than this many days are forgotten. */
  signatureMaxAgeDays?: number;
}

export interface PruneResult {
  tokensRemoved: number;
  signaturesRemoved: number;
}

export interface TokenStats extends TokenTotals {
  tokens: number;
  signatures: number;
  maxTokens: number;
}

/** One row of a dump; `load` accepts the same rows. Days are whole days since the Unix epoch. */
export type TokenDumpRow =
  | { type: 'totals'; nspam: number; nham: number }
  | { type: 'token'; token: string; spam: number; ham: number; lastSeenDay: number }
  | { type: 'signature'; sig: string; cls: TokenClass; day: number };

/** One page of a namespace's tokens as columns, same index = same token. */
export interface TokenPage {
  tokens: string[];
  spam: number[];
  ham: number[];
}

/**
 * Per-class token counts for the Bayesian classifier. One learn (tokens + totals + signature) is
 * atomic and crash-safe. Growth is bounded: each namespace holds at most `maxTokens` tokens (a learn
 * that goes over trims the oldest), and `prune` also drops rare stale tokens and old signatures.
 */
export interface TokenStore {
  get(tokens: string[], ns?: TokenNamespace): Promise<TokenLookup>;
  learn(req: LearnRequest): Promise<LearnOutcome>;
  /**
   * Several learns committed together; outcome i is what `learn(reqs[i])` would return after the learns before
   * it (a signature met twice in one batch is `already` or `relearned` the second time). Every request is
   * checked before anything is written. All or nothing: SQLite and memory for the whole batch, Redis per
   * namespace (a Cluster transaction cannot span hash slots). The token cap is enforced once, at the end.
   */
  learnBatch(reqs: readonly LearnRequest[]): Promise<LearnOutcome[]>;
  isLearned(sig: string, ns?: TokenNamespace): Promise<TokenClass | undefined>;
  prune(opts?: PruneOptions): Promise<PruneResult>;
  stats(ns?: TokenNamespace): Promise<TokenStats>;
  /** Namespaces ever written by learn or load, sorted; '' is the site-wide one. */
  users(): Promise<string[]>;
  /** Totals first, then tokens, then signatures. */
  dump(ns?: TokenNamespace): AsyncIterable<TokenDumpRow>;
  /**
   * Every token with its counts, a page at a time, for loading a namespace into memory (bulk classify): several
   * times faster than `dump`. Pages come in no particular order and a token may appear twice (Redis scans).
   */
  scan(ns?: TokenNamespace): AsyncIterable<TokenPage>;
  /** Upserts every row (a row overwrites the same token/signature/totals); returns rows read. */
  load(rows: AsyncIterable<TokenDumpRow> | Iterable<TokenDumpRow>, ns?: TokenNamespace): Promise<number>;
}

// ---------------------------------------------------------------------------------------------
// Greylisting

/** Times are whole milliseconds since the epoch. An entry is live while now < expiresAt. */
export interface GreylistEntry {
  key: string;
  firstSeen: number;
  lastSeen: number;
  /** Sightings that came at least `minDelayMs` after firstSeen (retries that passed). */
  passCount: number;
  expiresAt: number;
}

export interface GreylistSeen extends GreylistEntry {
  /** True when this call created the entry (no live entry existed). */
  created: boolean;
}

export interface WhitelistEntry {
  key: string;
  expiresAt: number;
  reason: string;
}

export interface ListRequest extends PageRequest {
  /** Entries expired at this time are swept before listing. Default Date.now(). */
  now?: number;
}

export interface WhitelistStore {
  /** Adds or replaces. */
  add(key: string, expiresAt: number, reason: string): Promise<void>;
  remove(key: string): Promise<boolean>;
  get(key: string, now: number): Promise<WhitelistEntry | undefined>;
  /** Live entries ordered by key. */
  list(req?: ListRequest): Promise<Page<WhitelistEntry>>;
  expire(now: number): Promise<number>;
}

/** Postgrey's timing for one triplet sighting (all in milliseconds). */
export interface SightTiming {
  /** A retry passes once this long after the first sighting. */
  delayMs: number;
  /** A triplet that has not passed lives this long after its first sighting; a retry later starts over. */
  retryWindowMs: number;
  /** A triplet that has passed lives this long after it was last seen. */
  passTtlMs: number;
}

/** Counter of first passes per client network (postgrey's auto-whitelist), kept as a greylist entry under `key`. */
export interface PassCounter {
  key: string;
  ttlMs: number;
}

export interface GreylistSighting {
  /** The triplet's entry after this sighting. */
  entry: GreylistEntry;
  /** True when no live entry was taken over (none existed, or its retry window had closed). */
  created: boolean;
  /** passCount of the entry taken over, 0 when created. */
  previousPassCount: number;
  /** When a counter was given and this sighting is the triplet's first pass: the counter after `seen(key, now, ttlMs, 0)`. */
  counted?: GreylistSeen;
}

/** What `sightUnlessListed` found: the live whitelist entry (then nothing was written), or the sighting. */
export type ListedOrSighted = { listed: WhitelistEntry; sighting?: undefined } | { listed?: undefined; sighting: GreylistSighting };

/** Greylist triplets (the key is computed by the caller) and a whitelist of graduated keys. */
export interface GreylistStore {
  /**
   * Upsert: creates the entry if no live one exists, else sets lastSeen and counts a pass when
   * now - firstSeen >= minDelayMs (default 0). Either way expiresAt becomes now + ttlMs.
   */
  seen(key: string, now: number, ttlMs: number, minDelayMs?: number): Promise<GreylistSeen>;
  /**
   * One postgrey sighting of a triplet in one atomic store operation (rules in greylist-rules.ts `sightEntry`): a
   * live entry that never passed and whose retry window closed is replaced by a new one; otherwise `seen` with
   * minDelayMs = delayMs and a life of passTtlMs once the entry passes, else what is left of the retry window.
   * With `counter`, a first pass (passCount goes 0 → 1) also counts a sighting of the counter entry.
   */
  sight(key: string, now: number, timing: SightTiming, counter?: PassCounter): Promise<GreylistSighting>;
  /**
   * `whitelist.get(listKey, now)` and, only when that finds no live entry, `sight(key, …)`, as one store operation: one
   * transaction on SQLite, one script on standalone and Sentinel Redis (two round trips on Redis Cluster, where the
   * whitelist lives in another hash slot). A policy request's whole greylist decision is then one round trip.
   */
  sightUnlessListed(listKey: string, key: string, now: number, timing: SightTiming, counter?: PassCounter): Promise<ListedOrSighted>;
  get(key: string, now: number): Promise<GreylistEntry | undefined>;
  delete(key: string): Promise<boolean>;
  /** Live entries ordered by key. */
  list(req?: ListRequest): Promise<Page<GreylistEntry>>;
  /** Removes entries expired at `now`; returns how many. */
  expire(now: number): Promise<number>;
  whitelist: WhitelistStore;
}

// ---------------------------------------------------------------------------------------------
// Rate limiting

export interface RateDecision {
  allowed: boolean;
  /** Whole tokens left after this take. */
  remaining: number;
  /** 0 when allowed; otherwise when `cost` tokens will be available (Infinity if cost > burst). */
  retryAfterMs: number;
}

/** Token buckets; a bucket's state is dropped once it would be full again (a fresh bucket). */
export interface RateStore {
  take(key: string, ratePerSec: number, burst: number, now: number, cost?: number): Promise<RateDecision>;
}

// ---------------------------------------------------------------------------------------------
// Fuzzy hashes

export interface FuzzyEntry {
  hash: string;
  flag: number;
  weight: number;
  count: number;
  lastSeen: number;
  expiresAt: number;
}

export interface FuzzyAdd {
  hash: string;
  flag: number;
  weight: number;
}

/**
 * Fuzzy-hash database: adding a known hash with the same flag adds weight and bumps count; with
 * another flag it replaces the entry. Every add sets expiresAt = now + ttlMs.
 */
export interface FuzzyStore {
  add(items: FuzzyAdd[], now: number, ttlMs: number): Promise<void>;
  /** Same order as `hashes`; undefined for unknown or expired. */
  get(hashes: string[], now: number): Promise<(FuzzyEntry | undefined)[]>;
  delete(hashes: string[]): Promise<number>;
  count(): Promise<number>;
  expire(now: number): Promise<number>;
}

export interface StoreHealth {
  ok: boolean;
  backend: 'sqlite' | 'redis' | 'memory';
  detail: string;
}

// ---------------------------------------------------------------------------------------------
// Classifier weights (hashed online logistic regression)

/** What `read` returns: the weight of each requested bucket (0 when never set), the bias and the learned totals. */
export interface WeightLookup extends TokenTotals {
  weights: number[];
  bias: number;
}

/**
 * One learn (or unlearn/relearn) of one message: the weight changes the model computed for it, applied atomically
 * together with the bias change, the totals and the message signature.
 */
export interface WeightUpdate extends TokenNamespace {
  /** Hashed feature buckets (integers in [0, 2^32)); a bucket listed twice gets the sum of its deltas. */
  buckets: readonly number[];
  /** Change of each bucket's weight (finite), same order and length as `buckets`. */
  deltas: readonly number[];
  biasDelta: number;
  cls: TokenClass;
  /** +1 learns, -1 unlearns (the caller passes the negated deltas). Default +1. */
  delta?: 1 | -1;
  /** Message signature: a message is never learned twice; learning it as the other class moves it. */
  sig?: string;
  /** Milliseconds since the epoch; sets the buckets' last-updated day. Default Date.now(). */
  now?: number;
}

export interface WeightPruneOptions extends TokenNamespace {
  /** Milliseconds since the epoch. Default Date.now(). */
  now?: number;
  /** Buckets not updated for more than this many days (default 30) are dropped... */
  staleDays?: number;
  /** ...when their absolute weight is at most this (default 0.01). */
  minAbsWeight?: number;
  /** Learned-message signatures older than this many days (default 365) are forgotten. */
  signatureMaxAgeDays?: number;
}

export interface WeightStats extends TokenTotals {
  buckets: number;
  signatures: number;
  maxBuckets: number;
}

export type WeightDumpRow =
  | { type: 'totals'; nspam: number; nham: number; bias: number }
  | { type: 'weight'; bucket: number; weight: number; lastDay: number }
  | { type: 'signature'; sig: string; cls: TokenClass; day: number };

/** One page of a namespace's weights as columns, same index = same bucket. */
export interface WeightPage {
  buckets: number[];
  weights: number[];
}

/**
 * Weights of the logistic-regression classifier per namespace. Growth is bounded by the hashing (at most
 * `maxBuckets` non-zero buckets; over it the smallest stale weights go) and by `prune`. One apply is atomic.
 * The signature check happens inside apply: `already` means nothing was changed.
 */
export interface WeightStore {
  read(buckets: readonly number[], ns?: TokenNamespace): Promise<WeightLookup>;
  apply(update: WeightUpdate): Promise<LearnOutcome>;
  /**
   * Several applies committed together; outcome i is what `apply(updates[i])` would return after the ones before
   * it. Every update is checked before anything is written. All or nothing: SQLite and memory for the whole
   * batch, Redis per namespace. A bucket's deltas may be summed before they are stored (final weights equal
   * sequential applies up to float rounding); the bucket cap is enforced once, at the end.
   */
  applyBatch(updates: readonly WeightUpdate[]): Promise<LearnOutcome[]>;
  isLearned(sig: string, ns?: TokenNamespace): Promise<TokenClass | undefined>;
  /** `tokensRemoved` counts the buckets removed. */
  prune(opts?: WeightPruneOptions): Promise<PruneResult>;
  stats(ns?: TokenNamespace): Promise<WeightStats>;
  users(): Promise<string[]>;
  dump(ns?: TokenNamespace): AsyncIterable<WeightDumpRow>;
  /**
   * Every non-zero weight, a page at a time, for loading a namespace into memory (bulk classify, batched learning):
   * several times faster than `dump`. Pages come in no particular order and a bucket may appear twice (Redis scans).
   */
  scan(ns?: TokenNamespace): AsyncIterable<WeightPage>;
  load(rows: AsyncIterable<WeightDumpRow> | Iterable<WeightDumpRow>, ns?: TokenNamespace): Promise<number>;
}
