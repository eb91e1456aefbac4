// SQLite TokenStore: one learn is one IMMEDIATE transaction (tokens, totals, signature, cap trim together).

import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type {
  LearnOutcome,
  LearnRequest,
  PruneOptions,
  PruneResult,
  TokenClass,
  TokenDumpRow,
  TokenLookup,
  TokenNamespace,
  TokenStats,
  TokenStore,
} from '../interfaces.ts';
import { assertTokens, dayOf, namespaceOf, PRUNE_BATCH, resolvePrune, trimTarget, uniqueTokens } from '../rules.ts';
import { immediate, snapshot } from './database.ts';

interface NsRow {
  nspam: number;
  nham: number;
  ntokens: number;
}

export class SqliteTokenStore implements TokenStore {
  readonly #db: DatabaseSync;
  readonly #maxTokens: number;
  readonly #q: Record<string, StatementSync>;

  constructor(db: DatabaseSync, maxTokens: number) {
    this.#db = db;
    this.#maxTokens = maxTokens;
    const p = (sql: string) => db.prepare(sql);
    this.#q = {
      ensureNs: p('INSERT OR IGNORE INTO bayes_ns (ns) VALUES (?)'),
      ns: p('SELECT nspam, nham, ntokens FROM bayes_ns WHERE ns = ?'),
      token: p('SELECT spam, ham FROM bayes_tokens WHERE ns = ? AND token = ?'),
      incspam: p(`INSERT INTO bayes_tokens (ns, token, spam, ham, last_seen) VALUES (?, ?, 1, 0, ?)
        ON CONFLICT (ns, token) DO UPDATE SET spam = spam + 1, last_seen = excluded.last_seen`),
      incham: p(`INSERT INTO bayes_tokens (ns, token, spam, ham, last_seen) VALUES (?, ?, 0, 1, ?)
        ON CONFLICT (ns, token) DO UPDATE SET ham = ham + 1, last_seen = excluded.last_seen`),
      decspam: p('UPDATE bayes_tokens SET spam = max(spam - 1, 0) WHERE ns = ? AND token = ?'),
      decham: p('UPDATE bayes_tokens SET ham = max(ham - 1, 0) WHERE ns = ? AND token = ?'),
      dropEmpty: p('DELETE FROM bayes_tokens WHERE ns = ? AND token = ? AND spam = 0 AND ham = 0'),
      totalspam: p('UPDATE bayes_ns SET nspam = max(nspam + ?, 0) WHERE ns = ?'),
      totalham: p('UPDATE bayes_ns SET nham = max(nham + ?, 0) WHERE ns = ?'),
      setTotals: p('UPDATE bayes_ns SET nspam = ?, nham = ? WHERE ns = ?'),
      sig: p('SELECT cls FROM bayes_sigs WHERE ns = ? AND sig = ?'),
      putSig: p(`INSERT INTO bayes_sigs (ns, sig, cls, day) VALUES (?, ?, ?, ?)
        ON CONFLICT (ns, sig) DO UPDATE SET cls = excluded.cls, day = excluded.day`),
      delSig: p('DELETE FROM bayes_sigs WHERE ns = ? AND sig = ?'),
      trim: p(`DELETE FROM bayes_tokens WHERE ns = ? AND token IN
        (SELECT token FROM bayes_tokens WHERE ns = ? ORDER BY last_seen, token LIMIT ?)`),
      pruneRare: p(`DELETE FROM bayes_tokens WHERE ns = ? AND token IN
        (SELECT token FROM bayes_tokens WHERE ns = ? AND last_seen < ? AND spam + ham <= ? LIMIT ?)`),
      pruneSigs: p(`DELETE FROM bayes_sigs WHERE ns = ? AND sig IN
        (SELECT sig FROM bayes_sigs WHERE ns = ? AND day < ? LIMIT ?)`),
      putToken: p(`INSERT INTO bayes_tokens (ns, token, spam, ham, last_seen) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (ns, token) DO UPDATE SET spam = excluded.spam, ham = excluded.ham, last_seen = excluded.last_seen`),
      delToken: p('DELETE FROM bayes_tokens WHERE ns = ? AND token = ?'),
      sigCount: p('SELECT count(*) AS n FROM bayes_sigs WHERE ns = ?'),
      users: p('SELECT ns FROM bayes_ns ORDER BY ns'),
      tokenPage: p(`SELECT token, spam, ham, last_seen FROM bayes_tokens WHERE ns = ? AND token > ?
        ORDER BY token LIMIT ${PRUNE_BATCH}`),
      sigPage: p(`SELECT sig, cls, day FROM bayes_sigs WHERE ns = ? AND sig > ? ORDER BY sig LIMIT ${PRUNE_BATCH}`),
    };
  }

  #nsRow(ns: string): NsRow | undefined {
    return this.#q.ns.get(ns) as NsRow | undefined;
  }

  async get(tokens: string[], opts: TokenNamespace = {}): Promise<TokenLookup> {
    const ns = namespaceOf(opts.user);
    return snapshot(this.#db, () => {
      const row = this.#nsRow(ns);
      const counts = tokens.map((t) => {
        const c = this.#q.token.get(ns, t) as { spam: number; ham: number } | undefined;
        return { spam: c?.spam ?? 0, ham: c?.ham ?? 0 };
      });
      return { nspam: row?.nspam ?? 0, nham: row?.nham ?? 0, counts };
    });
  }

  async learn(req: LearnRequest): Promise<LearnOutcome> {
    assertTokens(req.tokens);
    const ns = namespaceOf(req.user);
    const tokens = uniqueTokens(req.tokens);
    const day = dayOf(req.now ?? Date.now());
    const sig = req.sig;
    return immediate(this.#db, () => {
      this.#q.ensureNs.run(ns);
      const prev = sig === undefined ? undefined : (this.#q.sig.get(ns, sig) as { cls: TokenClass } | undefined)?.cls;
      let outcome: LearnOutcome;
      if ((req.delta ?? 1) === 1) {
        if (prev === req.cls) return 'already';
        if (prev) this.#apply(ns, tokens, prev, -1, day);
        this.#apply(ns, tokens, req.cls, 1, day);
        if (sig !== undefined) this.#q.putSig.run(ns, sig, req.cls, day);
        outcome = prev ? 'relearned' : 'learned';
      } else {
        if (sig !== undefined && prev !== req.cls) return 'not-learned';
        this.#apply(ns, tokens, req.cls, -1, day);
        if (sig !== undefined) this.#q.delSig.run(ns, sig);
        outcome = 'unlearned';
      }
      this.#capInTransaction(ns);
      return outcome;
    });
  }

  #apply(ns: string, tokens: string[], cls: TokenClass, delta: 1 | -1, day: number): void {
    if (delta === 1) {
      const inc = cls === 'spam' ? this.#q.incspam : this.#q.incham;
      for (const t of tokens) inc.run(ns, t, day);
    } else {
      const dec = cls === 'spam' ? this.#q.decspam : this.#q.decham;
      for (const t of tokens) {
        dec.run(ns, t);
        this.#q.dropEmpty.run(ns, t);
      }
    }
    (cls === 'spam' ? this.#q.totalspam : this.#q.totalham).run(delta, ns);
  }

  /** Must run inside a write transaction. */
  #capInTransaction(ns: string): number {
    const n = this.#nsRow(ns)?.ntokens ?? 0;
    if (n <= this.#maxTokens) return 0;
    return Number(this.#q.trim.run(ns, ns, n - trimTarget(this.#maxTokens)).changes);
  }

  async isLearned(sig: string, opts: TokenNamespace = {}): Promise<TokenClass | undefined> {
    return (this.#q.sig.get(namespaceOf(opts.user), sig) as { cls: TokenClass } | undefined)?.cls;
  }

  /** Batched, one short transaction per batch, so learners are never locked out for long. */
  async prune(opts: PruneOptions = {}): Promise<PruneResult> {
    const ns = namespaceOf(opts.user);
    const p = resolvePrune(opts);
    const batched = async (step: () => number): Promise<number> => {
      let total = 0;
      for (;;) {
        const n = immediate(this.#db, step);
        total += n;
        if (n < PRUNE_BATCH) return total;
        await yieldToLoop();
      }
    };
    let tokensRemoved = await batched(() =>
      Number(this.#q.pruneRare.run(ns, ns, p.staleBeforeDay, p.rareMax, PRUNE_BATCH).changes),
    );
    tokensRemoved += immediate(this.#db, () => this.#capInTransaction(ns));
    const signaturesRemoved = await batched(() =>
      Number(this.#q.pruneSigs.run(ns, ns, p.signatureBeforeDay, PRUNE_BATCH).changes),
    );
    return { tokensRemoved, signaturesRemoved };
  }

  async stats(opts: TokenNamespace = {}): Promise<TokenStats> {
    const ns = namespaceOf(opts.user);
    return snapshot(this.#db, () => {
      const row = this.#nsRow(ns);
      const sigs = (this.#q.sigCount.get(ns) as { n: number }).n;
      return {
        tokens: row?.ntokens ?? 0,
        nspam: row?.nspam ?? 0,
        nham: row?.nham ?? 0,
        signatures: sigs,
        maxTokens: this.#maxTokens,
      };
    });
  }

  async users(): Promise<string[]> {
    return (this.#q.users.all() as { ns: string }[]).map((r) => r.ns);
  }

  /** Keyset pages (no statement held open across yields), so a dump never blocks writers. */
  async *dump(opts: TokenNamespace = {}): AsyncIterable<TokenDumpRow> {
    const ns = namespaceOf(opts.user);
    const row = this.#nsRow(ns);
    yield { type: 'totals', nspam: row?.nspam ?? 0, nham: row?.nham ?? 0 };
    let after = '';
    for (;;) {
      const page = this.#q.tokenPage.all(ns, after) as { token: string; spam: number; ham: number; last_seen: number }[];
      for (const r of page) yield { type: 'token', token: r.token, spam: r.spam, ham: r.ham, lastSeenDay: r.last_seen };
      if (page.length < PRUNE_BATCH) break;
      after = page[page.length - 1].token;
    }
    after = '';
    for (;;) {
      const page = this.#q.sigPage.all(ns, after) as { sig: string; cls: TokenClass; day: number }[];
      for (const r of page) yield { type: 'signature', sig: r.sig, cls: r.cls, day: r.day };
      if (page.length < PRUNE_BATCH) break;
      after = page[page.length - 1].sig;
    }
  }

  async load(rows: AsyncIterable<TokenDumpRow> | Iterable<TokenDumpRow>, opts: TokenNamespace = {}): Promise<number> {
    const ns = namespaceOf(opts.user);
    let n = 0;
    let batch: TokenDumpRow[] = [];
    const flush = () => {
      const b = batch;
      batch = [];
      immediate(this.#db, () => {
        this.#q.ensureNs.run(ns);
        for (const r of b) this.#loadRow(ns, r);
      });
    };
    for await (const row of rows) {
      n++;
      batch.push(row);
      if (batch.length >= PRUNE_BATCH) flush();
    }
    flush();
    immediate(this.#db, () => this.#capInTransaction(ns));
    return n;
  }

  #loadRow(ns: string, r: TokenDumpRow): void {
    if (r.type === 'totals') this.#q.setTotals.run(r.nspam, r.nham, ns);
    else if (r.type === 'signature') this.#q.putSig.run(ns, r.sig, r.cls, r.day);
    else if (r.spam === 0 && r.ham === 0) this.#q.delToken.run(ns, r.token);
    else {
      assertTokens([r.token]);
      this.#q.putToken.run(ns, r.token, r.spam, r.ham, r.lastSeenDay);
    }
  }
}
