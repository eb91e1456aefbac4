// SQLite TokenStore: one learn is one IMMEDIATE transaction (tokens, totals, signature, cap trim together).

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
  TokenPage,
  TokenStats,
  TokenStore,
} from '../interfaces.ts';
import { assertTokens, dayOf, namespaceOf, PRUNE_BATCH, resolvePrune, SCAN_PAGE, trimTarget, uniqueTokens } from '../rules.ts';
import { immediate, snapshot } from './database.ts';
import { deleteInBatches, learnedClass, loadInBatches, namespaces, signatureRows } from './signatures.ts';

/** JSON text of a token list for json_each; lone surrogates become U+FFFD, as they do when a string is bound directly. */
function tokensJson(tokens: readonly string[]): string {
  return JSON.stringify(tokens.map((t) => (t.isWellFormed() ? t : t.toWellFormed())));
}

/** A batch's increments per namespace and token, with the class totals they add. */
class IncrementBatch {
  readonly #spaces = new Map<string, { counts: Map<string, [spam: number, ham: number, day: number]>; spam: number; ham: number }>();

  add(ns: string, tokens: readonly string[], cls: TokenClass, day: number): void {
    let space = this.#spaces.get(ns);
    if (!space) {
      space = { counts: new Map(), spam: 0, ham: 0 };
      this.#spaces.set(ns, space);
    }
    const k = cls === 'spam' ? 0 : 1;
    space[cls]++;
    for (const t of tokens) {
      const c = space.counts.get(t);
      if (c) {
        c[k]++;
        c[2] = day;
      } else {
        space.counts.set(t, k === 0 ? [1, 0, day] : [0, 1, day]);
      }
    }
  }

  /** Hands each namespace's rows ([token, spam, ham, day] JSON, in token order for B-tree locality) to `write`, then empties. */
  flush(write: (ns: string, rows: string, spam: number, ham: number) => void): void {
    for (const [ns, space] of this.#spaces) {
      const rows = [...space.counts].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      write(ns, JSON.stringify(rows.map(([t, c]) => [t.isWellFormed() ? t : t.toWellFormed(), c[0], c[1], c[2]])), space.spam, space.ham);
    }
    this.#spaces.clear();
  }
}

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
      // One statement, so one snapshot: the totals row (i = -1), then (request index, counts) per stored token.
      // CROSS JOIN keeps json_each outside, so each token is one primary-key lookup.
      get: p(`SELECT -1 AS i, nspam AS spam, nham AS ham FROM bayes_ns WHERE ns = ?1
        UNION ALL
        SELECT t.key, w.spam, w.ham FROM json_each(?2) AS t CROSS JOIN bayes_tokens AS w
          ON w.ns = ?1 AND w.token = t.value`),
      // ?2 is [[token, spam, ham, day], ...]: a batch's summed increments, one upsert per distinct token.
      incMany: p(`INSERT INTO bayes_tokens (ns, token, spam, ham, last_seen)
        SELECT ?1, value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?2) WHERE true
        ON CONFLICT (ns, token) DO UPDATE SET spam = spam + excluded.spam, ham = ham + excluded.ham,
          last_seen = excluded.last_seen`),
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
      // A page as three JSON arrays: one row and three JSON.parse calls instead of SCAN_PAGE row objects.
      scanPage: p(`SELECT json_group_array(token) AS t, json_group_array(spam) AS s, json_group_array(ham) AS h,
          max(token) AS last, count(*) AS n
        FROM (SELECT token, spam, ham FROM bayes_tokens WHERE ns = ?1 AND token > ?2 ORDER BY token LIMIT ${SCAN_PAGE})`),
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

  /** One statement for all the tokens (one per token took 0.5 ms for a 240-token message). */
  async get(tokens: string[], opts: TokenNamespace = {}): Promise<TokenLookup> {
    const out: TokenLookup = { nspam: 0, nham: 0, counts: tokens.map(() => ({ spam: 0, ham: 0 })) };
    const rows = this.#q.get.all(namespaceOf(opts.user), tokensJson(tokens)) as { i: number; spam: number; ham: number }[];
    for (const r of rows) {
      if (r.i === -1) {
        out.nspam = r.spam;
        out.nham = r.ham;
      } else {
        out.counts[r.i] = { spam: r.spam, ham: r.ham };
      }
    }
    return out;
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

  /**
   * One IMMEDIATE transaction. Increments (plain learns) are summed per token and written with one upsert per
   * distinct token; a learn that takes counts away (relearn, unlearn) first writes the increments gathered so
   * far and then runs exactly as `learn` does, so the clamping at zero is the same as sequential learns.
   */
  async learnBatch(reqs: readonly LearnRequest[]): Promise<LearnOutcome[]> {
    for (const r of reqs) assertTokens(r.tokens);
    return immediate(this.#db, () => {
      const batch = new IncrementBatch();
      const known = new Set<string>();
      const out: LearnOutcome[] = [];
      const flush = () => batch.flush((ns, rows, spam, ham) => {
        this.#q.incMany.run(ns, rows);
        if (spam > 0) this.#q.totalspam.run(spam, ns);
        if (ham > 0) this.#q.totalham.run(ham, ns);
      });
      for (const req of reqs) {
        const ns = namespaceOf(req.user);
        if (!known.has(ns)) {
          this.#q.ensureNs.run(ns);
          known.add(ns);
        }
        const tokens = uniqueTokens(req.tokens);
        const day = dayOf(req.now ?? Date.now());
        const sig = req.sig;
        const prev = sig === undefined ? undefined : (this.#q.sig.get(ns, sig) as { cls: TokenClass } | undefined)?.cls;
        if ((req.delta ?? 1) === 1) {
          if (prev === req.cls) {
            out.push('already');
            continue;
          }
          if (prev) {
            flush();
            this.#apply(ns, tokens, prev, -1, day);
          }
          batch.add(ns, tokens, req.cls, day);
          if (sig !== undefined) this.#q.putSig.run(ns, sig, req.cls, day);
          out.push(prev ? 'relearned' : 'learned');
        } else {
          if (sig !== undefined && prev !== req.cls) {
            out.push('not-learned');
            continue;
          }
          flush();
          this.#apply(ns, tokens, req.cls, -1, day);
          if (sig !== undefined) this.#q.delSig.run(ns, sig);
          out.push('unlearned');
        }
      }
      flush();
      for (const ns of known) this.#capInTransaction(ns);
      return out;
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
    return learnedClass(this.#q.sig, namespaceOf(opts.user), sig);
  }

  /** Batched, one short transaction per batch, so learners are never locked out for long. */
  async prune(opts: PruneOptions = {}): Promise<PruneResult> {
    const ns = namespaceOf(opts.user);
    const p = resolvePrune(opts);
    let tokensRemoved = await deleteInBatches(this.#db, () =>
      Number(this.#q.pruneRare.run(ns, ns, p.staleBeforeDay, p.rareMax, PRUNE_BATCH).changes),
    );
    tokensRemoved += immediate(this.#db, () => this.#capInTransaction(ns));
    const signaturesRemoved = await deleteInBatches(this.#db, () =>
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
    return namespaces(this.#q.users);
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
    yield* signatureRows(this.#q.sigPage, ns);
  }

  /** Keyset pages, like dump. */
  async *scan(opts: TokenNamespace = {}): AsyncIterable<TokenPage> {
    const ns = namespaceOf(opts.user);
    for (let after = ''; ; ) {
      const r = this.#q.scanPage.get(ns, after) as { t: string; s: string; h: string; last: string | null; n: number };
      if (r.n === 0) return;
      yield { tokens: JSON.parse(r.t) as string[], spam: JSON.parse(r.s) as number[], ham: JSON.parse(r.h) as number[] };
      if (r.n < SCAN_PAGE || r.last === null) return;
      after = r.last;
    }
  }

  async load(rows: AsyncIterable<TokenDumpRow> | Iterable<TokenDumpRow>, opts: TokenNamespace = {}): Promise<number> {
    const ns = namespaceOf(opts.user);
    const n = await loadInBatches(this.#db, ns, rows, this.#q.ensureNs, (r) => this.#loadRow(ns, r));
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
