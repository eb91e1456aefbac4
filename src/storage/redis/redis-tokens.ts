// Redis TokenStore: per namespace, count hashes + a last-seen zset under one hash tag; one learn is one Lua script.

import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type {
  LearnOutcome,
  LearnRequest,
  PruneOptions,
  PruneResult,
  TokenClass,
  TokenDumpRow,
  TokenLookup,
  TokenNamespace,
  TokenPage,
  TokenStats,
  TokenStore,
} from '../interfaces.ts';
import { assertTokens, dayOf, namespaceOf, PRUNE_BATCH, resolvePrune, SCAN_PAGE, trimTarget, uniqueTokens } from '../rules.ts';
import type { RedisClient } from './client.ts';
import type { BayesKeys, RedisKeys } from './keys.ts';
import { scriptPerNamespace } from './batch.ts';
import type { Scripts } from './lua.ts';
import { expireSignatures, learnedClass, num, registeredUsers, signatureRows } from './signatures.ts';
import { execTx } from './tx.ts';

export class RedisTokenStore implements TokenStore {
  readonly #client: RedisClient;
  readonly #keys: RedisKeys;
  readonly #scripts: Scripts;
  readonly #maxTokens: number;

  constructor(client: RedisClient, keys: RedisKeys, scripts: Scripts, maxTokens: number) {
    this.#client = client;
    this.#keys = keys;
    this.#scripts = scripts;
    this.#maxTokens = maxTokens;
  }

  #k(user: string | undefined): BayesKeys {
    return this.#keys.bayes(namespaceOf(user));
  }

  async get(tokens: string[], opts: TokenNamespace = {}): Promise<TokenLookup> {
    const k = this.#k(opts.user);
    const m = this.#client.multi().hmget(k.totals, 'nspam', 'nham');
    if (tokens.length > 0) m.hmget(k.spam, ...tokens).hmget(k.ham, ...tokens);
    const [totals, spam, ham] = (await execTx(m)) as (string | null)[][];
    return {
      nspam: num(totals[0]),
      nham: num(totals[1]),
      counts: tokens.map((_, i) => ({ spam: num(spam[i]), ham: num(ham[i]) })),
    };
  }

  #learnArgs(req: LearnRequest): (string | number)[] {
    const k = this.#keys.bayes(namespaceOf(req.user));
    return [
      k.spam,
      k.ham,
      k.seen,
      k.totals,
      k.sigs,
      k.sigDays,
      req.cls,
      req.delta ?? 1,
      req.sig === undefined ? '0' : '1',
      req.sig ?? '',
      dayOf(req.now ?? Date.now()),
      this.#maxTokens,
      trimTarget(this.#maxTokens),
      ...uniqueTokens(req.tokens),
    ];
  }

  async learn(req: LearnRequest): Promise<LearnOutcome> {
    assertTokens(req.tokens);
    // The registry lives outside the namespace's hash tag, so it cannot be in the script; it only lists names.
    await this.#client.sadd(this.#keys.bayesUsers, namespaceOf(req.user));
    const [outcome] = (await this.#scripts.bayesLearn(...this.#learnArgs(req))) as [LearnOutcome, number];
    return outcome;
  }

  /** One MULTI of learn scripts per namespace: Redis runs it whole or (connection lost before EXEC) not at all. */
  async learnBatch(reqs: readonly LearnRequest[]): Promise<LearnOutcome[]> {
    for (const r of reqs) assertTokens(r.tokens);
    return scriptPerNamespace(this.#client, this.#keys.bayesUsers, reqs, 'bayesLearn', (i) => this.#learnArgs(reqs[i]));
  }

  async isLearned(sig: string, opts: TokenNamespace = {}): Promise<TokenClass | undefined> {
    return learnedClass(this.#client, this.#k(opts.user), sig);
  }

  /** Trims to trimTarget when over maxTokens, one bounded script call per batch. */
  async #cap(k: BayesKeys): Promise<number> {
    const n = await this.#client.zcard(k.seen);
    if (n <= this.#maxTokens) return 0;
    let left = n - trimTarget(this.#maxTokens);
    let removed = 0;
    while (left > 0) {
      const got = num(await this.#scripts.bayesTrimOldest(k.spam, k.ham, k.seen, Math.min(left, PRUNE_BATCH)));
      removed += got;
      left -= got;
      if (got === 0) break;
    }
    return removed;
  }

  async prune(opts: PruneOptions = {}): Promise<PruneResult> {
    const k = this.#k(opts.user);
    const p = resolvePrune(opts);
    let tokensRemoved = 0;
    let offset = 0;
    for (;;) {
      const [removed, kept, looked] = (await this.#scripts.bayesPruneRare(
        k.spam,
        k.ham,
        k.seen,
        p.staleBeforeDay,
        p.rareMax,
        offset,
        PRUNE_BATCH,
      )) as number[];
      tokensRemoved += removed;
      offset += kept;
      if (looked < PRUNE_BATCH) break;
      await yieldToLoop();
    }
    tokensRemoved += await this.#cap(k);
    const signaturesRemoved = await expireSignatures(this.#scripts, k, p.signatureBeforeDay);
    return { tokensRemoved, signaturesRemoved };
  }

  async stats(opts: TokenNamespace = {}): Promise<TokenStats> {
    const k = this.#k(opts.user);
    const [tokens, totals, sigs] = (await execTx(
      this.#client.multi().zcard(k.seen).hmget(k.totals, 'nspam', 'nham').hlen(k.sigs),
    )) as [number, (string | null)[], number];
    return { tokens, nspam: num(totals[0]), nham: num(totals[1]), signatures: sigs, maxTokens: this.#maxTokens };
  }

  async users(): Promise<string[]> {
    return registeredUsers(this.#client, this.#keys.bayesUsers);
  }

  /** Pages by rank; a namespace being learned into meanwhile is not dumped as one snapshot. */
  async *dump(opts: TokenNamespace = {}): AsyncIterable<TokenDumpRow> {
    const k = this.#k(opts.user);
    const totals = await this.#client.hmget(k.totals, 'nspam', 'nham');
    yield { type: 'totals', nspam: num(totals[0]), nham: num(totals[1]) };
    for (let start = 0; ; start += PRUNE_BATCH) {
      const page = await this.#client.zrange(k.seen, String(start), String(start + PRUNE_BATCH - 1), 'WITHSCORES');
      if (page.length === 0) break;
      const tokens = page.filter((_, i) => i % 2 === 0);
      const [spam, ham] = (await execTx(this.#client.multi().hmget(k.spam, ...tokens).hmget(k.ham, ...tokens))) as (
        | string
        | null
      )[][];
      for (let i = 0; i < tokens.length; i++) {
        const row = { spam: num(spam[i]), ham: num(ham[i]) };
        if (row.spam + row.ham > 0) yield { type: 'token', token: tokens[i], ...row, lastSeenDay: Number(page[2 * i + 1]) };
      }
      if (tokens.length < PRUNE_BATCH) break;
    }
    yield* signatureRows(this.#client, k);
  }

  /** ZSCAN pages of the last-seen zset, each with its counts (a token may come twice if the zset is resized meanwhile). */
  async *scan(opts: TokenNamespace = {}): AsyncIterable<TokenPage> {
    const k = this.#k(opts.user);
    let cursor = '0';
    do {
      const [next, flat] = await this.#client.zscan(k.seen, cursor, 'COUNT', SCAN_PAGE);
      cursor = next;
      const tokens = flat.filter((_, i) => i % 2 === 0);
      if (tokens.length === 0) continue;
      const [spam, ham] = (await execTx(this.#client.multi().hmget(k.spam, ...tokens).hmget(k.ham, ...tokens))) as (string | null)[][];
      yield { tokens, spam: spam.map(num), ham: ham.map(num) };
    } while (cursor !== '0');
  }

  /** One MULTI per batch of rows. */
  async load(rows: AsyncIterable<TokenDumpRow> | Iterable<TokenDumpRow>, opts: TokenNamespace = {}): Promise<number> {
    const ns = namespaceOf(opts.user);
    const k = this.#keys.bayes(ns);
    await this.#client.sadd(this.#keys.bayesUsers, ns);
    let n = 0;
    let m = this.#client.multi();
    let queued = 0;
    for await (const r of rows) {
      n++;
      queued++;
      if (r.type === 'totals') m.hset(k.totals, 'nspam', r.nspam, 'nham', r.nham);
      else if (r.type === 'signature') m.hset(k.sigs, r.sig, r.cls).zadd(k.sigDays, r.day, r.sig);
      else if (r.spam === 0 && r.ham === 0) m.hdel(k.spam, r.token).hdel(k.ham, r.token).zrem(k.seen, r.token);
      else {
        assertTokens([r.token]);
        if (r.spam > 0) m.hset(k.spam, r.token, r.spam);
        else m.hdel(k.spam, r.token);
        if (r.ham > 0) m.hset(k.ham, r.token, r.ham);
        else m.hdel(k.ham, r.token);
        m.zadd(k.seen, r.lastSeenDay, r.token);
      }
      if (queued >= PRUNE_BATCH) {
        await execTx(m);
        m = this.#client.multi();
        queued = 0;
      }
    }
    if (queued > 0) await execTx(m);
    await this.#cap(k);
    return n;
  }
}
