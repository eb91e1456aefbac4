// In-memory TokenStore (unit tests only): the reference semantics the SQLite and Redis token stores match.

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
import { assertTokens, dayOf, namespaceOf, resolvePrune, SCAN_PAGE, trimTarget, uniqueTokens } from '../rules.ts';
import { expireSignatures, type SignatureMap, signatureRows, sortedUsers } from './signatures.ts';

interface TokenRow {
  spam: number;
  ham: number;
  lastSeenDay: number;
}

interface Namespace {
  tokens: Map<string, TokenRow>;
  nspam: number;
  nham: number;
  sigs: SignatureMap;
}

/** Trimming order shared by all backends: oldest last-seen day first, then token order. */
function byAge(a: [string, TokenRow], b: [string, TokenRow]): number {
  return a[1].lastSeenDay - b[1].lastSeenDay || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}

export class MemoryTokenStore implements TokenStore {
  readonly #spaces = new Map<string, Namespace>();
  readonly #maxTokens: number;

  constructor(maxTokens: number) {
    this.#maxTokens = maxTokens;
  }

  #space(user: string | undefined): Namespace {
    const name = namespaceOf(user);
    let ns = this.#spaces.get(name);
    if (!ns) {
      ns = { tokens: new Map(), nspam: 0, nham: 0, sigs: new Map() };
      this.#spaces.set(name, ns);
    }
    return ns;
  }

  async get(tokens: string[], opts: TokenNamespace = {}): Promise<TokenLookup> {
    const ns = this.#spaces.get(namespaceOf(opts.user));
    const counts = tokens.map((t) => {
      const row = ns?.tokens.get(t);
      return { spam: row?.spam ?? 0, ham: row?.ham ?? 0 };
    });
    return { nspam: ns?.nspam ?? 0, nham: ns?.nham ?? 0, counts };
  }

  async learn(req: LearnRequest): Promise<LearnOutcome> {
    assertTokens(req.tokens);
    return this.#learn(req);
  }

  /** The reference: sequential learns, after checking every request. */
  async learnBatch(reqs: readonly LearnRequest[]): Promise<LearnOutcome[]> {
    for (const r of reqs) assertTokens(r.tokens);
    return reqs.map((r) => this.#learn(r));
  }

  #learn(req: LearnRequest): LearnOutcome {
    const ns = this.#space(req.user);
    const tokens = uniqueTokens(req.tokens);
    const day = dayOf(req.now ?? Date.now());
    const prev = req.sig === undefined ? undefined : ns.sigs.get(req.sig)?.cls;
    let outcome: LearnOutcome;
    if ((req.delta ?? 1) === 1) {
      if (prev === req.cls) return 'already';
      if (prev) apply(ns, tokens, prev, -1, day);
      apply(ns, tokens, req.cls, 1, day);
      if (req.sig !== undefined) ns.sigs.set(req.sig, { cls: req.cls, day });
      outcome = prev ? 'relearned' : 'learned';
    } else {
      if (req.sig !== undefined && prev !== req.cls) return 'not-learned';
      apply(ns, tokens, req.cls, -1, day);
      if (req.sig !== undefined) ns.sigs.delete(req.sig);
      outcome = 'unlearned';
    }
    if (ns.tokens.size > this.#maxTokens) this.#trim(ns, trimTarget(this.#maxTokens));
    return outcome;
  }

  #trim(ns: Namespace, target: number): number {
    const excess = ns.tokens.size - target;
    if (excess <= 0) return 0;
    const victims = [...ns.tokens].sort(byAge).slice(0, excess);
    for (const [t] of victims) ns.tokens.delete(t);
    return victims.length;
  }

  async isLearned(sig: string, opts: TokenNamespace = {}): Promise<TokenClass | undefined> {
    return this.#spaces.get(namespaceOf(opts.user))?.sigs.get(sig)?.cls;
  }

  async prune(opts: PruneOptions = {}): Promise<PruneResult> {
    const p = resolvePrune(opts);
    const ns = this.#spaces.get(namespaceOf(opts.user));
    if (!ns) return { tokensRemoved: 0, signaturesRemoved: 0 };
    let tokensRemoved = 0;
    for (const [t, row] of ns.tokens) {
      if (row.lastSeenDay < p.staleBeforeDay && row.spam + row.ham <= p.rareMax) {
        ns.tokens.delete(t);
        tokensRemoved++;
      }
    }
    if (ns.tokens.size > this.#maxTokens) tokensRemoved += this.#trim(ns, trimTarget(this.#maxTokens));
    const signaturesRemoved = expireSignatures(ns.sigs, p.signatureBeforeDay);
    return { tokensRemoved, signaturesRemoved };
  }

  async stats(opts: TokenNamespace = {}): Promise<TokenStats> {
    const ns = this.#spaces.get(namespaceOf(opts.user));
    return {
      tokens: ns?.tokens.size ?? 0,
      nspam: ns?.nspam ?? 0,
      nham: ns?.nham ?? 0,
      signatures: ns?.sigs.size ?? 0,
      maxTokens: this.#maxTokens,
    };
  }

  async users(): Promise<string[]> {
    return sortedUsers(this.#spaces);
  }

  async *dump(opts: TokenNamespace = {}): AsyncIterable<TokenDumpRow> {
    const ns = this.#spaces.get(namespaceOf(opts.user));
    yield { type: 'totals', nspam: ns?.nspam ?? 0, nham: ns?.nham ?? 0 };
    if (!ns) return;
    for (const token of [...ns.tokens.keys()].sort()) {
      const row = ns.tokens.get(token);
      if (row) yield { type: 'token', token, spam: row.spam, ham: row.ham, lastSeenDay: row.lastSeenDay };
    }
    yield* signatureRows(ns.sigs);
  }

  async *scan(opts: TokenNamespace = {}): AsyncIterable<TokenPage> {
    const ns = this.#spaces.get(namespaceOf(opts.user));
    const rows = [...(ns?.tokens ?? [])];
    for (let i = 0; i < rows.length; i += SCAN_PAGE) {
      const page = rows.slice(i, i + SCAN_PAGE);
      yield { tokens: page.map(([t]) => t), spam: page.map(([, r]) => r.spam), ham: page.map(([, r]) => r.ham) };
    }
  }

  async load(rows: AsyncIterable<TokenDumpRow> | Iterable<TokenDumpRow>, opts: TokenNamespace = {}): Promise<number> {
    const ns = this.#space(opts.user);
    let n = 0;
    for await (const row of rows) {
      n++;
      if (row.type === 'totals') {
        ns.nspam = row.nspam;
        ns.nham = row.nham;
      } else if (row.type === 'token') {
        if (row.spam === 0 && row.ham === 0) ns.tokens.delete(row.token);
        else ns.tokens.set(row.token, { spam: row.spam, ham: row.ham, lastSeenDay: row.lastSeenDay });
      } else {
        ns.sigs.set(row.sig, { cls: row.cls, day: row.day });
      }
    }
    if (ns.tokens.size > this.#maxTokens) this.#trim(ns, trimTarget(this.#maxTokens));
    return n;
  }
}

function apply(ns: Namespace, tokens: string[], cls: TokenClass, delta: 1 | -1, day: number): void {
  for (const t of tokens) {
    const row = ns.tokens.get(t);
    if (delta === 1) {
      if (row) {
        row[cls]++;
        row.lastSeenDay = day;
      } else {
        ns.tokens.set(t, { spam: cls === 'spam' ? 1 : 0, ham: cls === 'ham' ? 1 : 0, lastSeenDay: day });
      }
    } else if (row) {
      row[cls] = Math.max(0, row[cls] - 1);
      if (row.spam === 0 && row.ham === 0) ns.tokens.delete(t);
    }
  }
  if (cls === 'spam') ns.nspam = Math.max(0, ns.nspam + delta);
  else ns.nham = Math.max(0, ns.nham + delta);
}
