// Redis WeightStore: per namespace a weights hash + an age zset under one hash tag; one apply is one Lua script.

import { setImmediate as yieldToLoop } from 'node:timers/promises';
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
import { namespaceOf, PRUNE_BATCH, SCAN_PAGE, trimTarget } from '../rules.ts';
import {
  assertBucket,
  assertBuckets,
  assertWeight,
  checkUpdate,
  type CheckedUpdate,
  resolveWeightPrune,
  WEIGHT_EPSILON,
  WEIGHT_TRIM_BATCH,
} from '../weight-rules.ts';
import type { RedisClient } from './client.ts';
import type { RedisKeys, WeightKeys } from './keys.ts';
import { scriptPerNamespace } from './batch.ts';
import type { Scripts } from './lua.ts';
import { MAX_AGE_FRACTION, type WeightScripts } from './lua-weights.ts';
import { expireSignatures, learnedClass, num, registeredUsers, signatureRows } from './signatures.ts';
import { execTx } from './tx.ts';

/** Same formula as the Lua ageScore: the age zset's score for a bucket. */
export function ageScore(day: number, weight: number): number {
  const a = Math.abs(weight);
  return day + Math.min(a / (1 + a), MAX_AGE_FRACTION);
}

export class RedisWeightStore implements WeightStore {
  readonly #client: RedisClient;
  readonly #keys: RedisKeys;
  readonly #scripts: Scripts;
  readonly #lua: WeightScripts;
  readonly #maxBuckets: number;

  constructor(client: RedisClient, keys: RedisKeys, scripts: Scripts, lua: WeightScripts, maxBuckets: number) {
    this.#client = client;
    this.#keys = keys;
    this.#scripts = scripts;
    this.#lua = lua;
    this.#maxBuckets = maxBuckets;
  }

  #k(user: string | undefined): WeightKeys {
    return this.#keys.weights(namespaceOf(user));
  }

  /** One round trip (MULTI of two HMGETs). */
  async read(buckets: readonly number[], opts: TokenNamespace = {}): Promise<WeightLookup> {
    assertBuckets(buckets);
    const k = this.#k(opts.user);
    const m = this.#client.multi().hmget(k.totals, 'nspam', 'nham', 'bias');
    if (buckets.length > 0) m.hmget(k.weights, ...buckets.map(String));
    const [totals, weights] = (await execTx(m)) as (string | null)[][];
    return {
      weights: buckets.map((_, i) => num(weights[i])),
      bias: num(totals[2]),
      nspam: num(totals[0]),
      nham: num(totals[1]),
    };
  }

  async apply(update: WeightUpdate): Promise<LearnOutcome> {
    const u = checkUpdate(update);
    // The registry lives outside the namespace's hash tag, so it cannot be in the script; it only lists names.
    await this.#client.sadd(this.#keys.weightUsers, u.ns);
    const [outcome] = (await this.#lua.weightsApply(...this.#applyArgs(u))) as [LearnOutcome, number];
    return outcome;
  }

  /** One MULTI of apply scripts per namespace: Redis runs it whole or (connection lost before EXEC) not at all. */
  async applyBatch(updates: readonly WeightUpdate[]): Promise<LearnOutcome[]> {
    const checked = updates.map(checkUpdate);
    const spaces = checked.map((u) => ({ user: u.ns }));
    return scriptPerNamespace(this.#client, this.#keys.weightUsers, spaces, 'weightsApply', (i) => this.#applyArgs(checked[i]));
  }

  #applyArgs(u: CheckedUpdate): (string | number)[] {
    const k = this.#keys.weights(u.ns);
    const pairs: string[] = [];
    // String(double) is the shortest text that parses back to the same double, in JS and in Lua.
    for (let i = 0; i < u.buckets.length; i++) pairs.push(String(u.buckets[i]), String(u.deltas[i]));
    return [
      k.weights,
      k.age,
      k.totals,
      k.sigs,
      k.sigDays,
      u.cls,
      u.delta,
      u.sig === undefined ? '0' : '1',
      u.sig ?? '',
      u.day,
      String(u.biasDelta),
      this.#maxBuckets,
      trimTarget(this.#maxBuckets),
      WEIGHT_TRIM_BATCH,
      String(WEIGHT_EPSILON),
      ...pairs,
    ];
  }

  async isLearned(sig: string, opts: TokenNamespace = {}): Promise<TokenClass | undefined> {
    return learnedClass(this.#client, this.#k(opts.user), sig);
  }

  /** Trims back to trimTarget when over the cap (or mid-trim), one bounded script call per batch. */
  async #trimToTarget(k: WeightKeys): Promise<number> {
    let removed = 0;
    for (;;) {
      const n = num(
        await this.#lua.weightsTrim(k.weights, k.age, k.totals, this.#maxBuckets, trimTarget(this.#maxBuckets), WEIGHT_TRIM_BATCH),
      );
      removed += n;
      if (n === 0) return removed;
      await yieldToLoop();
    }
  }

  async prune(opts: WeightPruneOptions = {}): Promise<PruneResult> {
    const k = this.#k(opts.user);
    const p = resolveWeightPrune(opts);
    let tokensRemoved = 0;
    for (let from = 0; from !== -1; ) {
      const [removed, next] = (await this.#lua.weightsPruneStale(
        k.weights,
        k.age,
        k.totals,
        from,
        p.staleBeforeDay,
        String(p.minAbsWeight),
        PRUNE_BATCH,
      )) as number[];
      tokensRemoved += removed;
      from = next;
      if (from !== -1) await yieldToLoop();
    }
    tokensRemoved += await this.#trimToTarget(k);
    const signaturesRemoved = await expireSignatures(this.#scripts, k, p.signatureBeforeDay);
    return { tokensRemoved, signaturesRemoved };
  }

  async stats(opts: TokenNamespace = {}): Promise<WeightStats> {
    const k = this.#k(opts.user);
    const [buckets, totals, sigs] = (await execTx(
      this.#client.multi().zcard(k.age).hmget(k.totals, 'nspam', 'nham').hlen(k.sigs),
    )) as [number, (string | null)[], number];
    return { buckets, nspam: num(totals[0]), nham: num(totals[1]), signatures: sigs, maxBuckets: this.#maxBuckets };
  }

  async users(): Promise<string[]> {
    return registeredUsers(this.#client, this.#keys.weightUsers);
  }

  /** Pages by rank of the age zset; a namespace being applied to meanwhile is not dumped as one snapshot. */
  async *dump(opts: TokenNamespace = {}): AsyncIterable<WeightDumpRow> {
    const k = this.#k(opts.user);
    const totals = await this.#client.hmget(k.totals, 'nspam', 'nham', 'bias');
    yield { type: 'totals', nspam: num(totals[0]), nham: num(totals[1]), bias: num(totals[2]) };
    for (let start = 0; ; start += PRUNE_BATCH) {
      const page = await this.#client.zrange(k.age, String(start), String(start + PRUNE_BATCH - 1), 'WITHSCORES');
      if (page.length === 0) break;
      const buckets = page.filter((_, i) => i % 2 === 0);
      const weights = await this.#client.hmget(k.weights, ...buckets);
      for (let i = 0; i < buckets.length; i++) {
        const w = weights[i];
        if (w !== null) {
          yield { type: 'weight', bucket: Number(buckets[i]), weight: Number(w), lastDay: Math.floor(Number(page[2 * i + 1])) };
        }
      }
      if (buckets.length < PRUNE_BATCH) break;
    }
    yield* signatureRows(this.#client, k);
  }

  /** HSCAN pages of the weights hash (a bucket may come twice if the hash is resized meanwhile). */
  async *scan(opts: TokenNamespace = {}): AsyncIterable<WeightPage> {
    const k = this.#k(opts.user);
    let cursor = '0';
    do {
      const [next, flat] = await this.#client.hscan(k.weights, cursor, 'COUNT', SCAN_PAGE);
      cursor = next;
      const page: WeightPage = { buckets: [], weights: [] };
      for (let i = 0; i < flat.length; i += 2) {
        page.buckets.push(Number(flat[i]));
        page.weights.push(Number(flat[i + 1]));
      }
      if (page.buckets.length > 0) yield page;
    } while (cursor !== '0');
  }

  /**
   * One MULTI per PRUNE_BATCH rows, each a few multi-field HSET/ZADD/HDEL commands (a command per row
   * took 3.5x as long for 30,000 rows); within a batch the last row for a key wins, as it would row by row.
   */
  async load(rows: AsyncIterable<WeightDumpRow> | Iterable<WeightDumpRow>, opts: TokenNamespace = {}): Promise<number> {
    const ns = namespaceOf(opts.user);
    const k = this.#keys.weights(ns);
    await this.#client.sadd(this.#keys.weightUsers, ns);
    let n = 0;
    let totals: (string | number)[] | undefined;
    const weights = new Map<string, { weight: number; day: number }>();
    const sigs = new Map<string, { cls: TokenClass; day: number }>();
    const flush = async () => {
      if (!totals && weights.size === 0 && sigs.size === 0) return;
      const m = this.#client.multi();
      if (totals) m.hset(k.totals, ...totals);
      const set: string[] = [];
      const scores: (string | number)[] = [];
      const gone: string[] = [];
      for (const [b, r] of weights) {
        if (Math.abs(r.weight) < WEIGHT_EPSILON) gone.push(b);
        else {
          set.push(b, String(r.weight));
          scores.push(ageScore(r.day, r.weight), b);
        }
      }
      if (set.length > 0) m.hset(k.weights, ...set).zadd(k.age, ...scores);
      if (gone.length > 0) m.hdel(k.weights, ...gone).zrem(k.age, ...gone);
      if (sigs.size > 0) {
        m.hset(k.sigs, ...[...sigs].flatMap(([sig, s]) => [sig, s.cls]));
        m.zadd(k.sigDays, ...[...sigs].flatMap(([sig, s]) => [s.day, sig]));
      }
      totals = undefined;
      weights.clear();
      sigs.clear();
      await execTx(m);
    };
    for await (const r of rows) {
      if (r.type === 'totals') {
        assertWeight('bias', r.bias);
        totals = ['nspam', r.nspam, 'nham', r.nham, 'bias', String(r.bias)];
      } else if (r.type === 'signature') {
        sigs.set(r.sig, { cls: r.cls, day: r.day });
      } else {
        assertBucket(r.bucket);
        assertWeight('weight', r.weight);
        const b = String(r.bucket);
        weights.set(b, { weight: r.weight, day: r.lastDay });
      }
      n++;
      if (n % PRUNE_BATCH === 0) await flush();
    }
    await flush();
    await this.#trimToTarget(k);
    return n;
  }
}
