// Robinson's token spamminess f(w) combined with Fisher's inverse chi-square, as bogofilter and rspamd's Bayes do (Robinson, "A Statistical Approach to the Spam Problem", Linux Journal 2003).
import type { TokenCounts, TokenLookup } from '../storage/interfaces.ts';
import type { Classification, SpamModel, Thresholds, TokenWeight } from './types.ts';
import { TOP_TOKENS, verdictFor } from './types.ts';

export interface RobinsonParams {
  /** Strength of the prior: how many sightings it takes to outweigh `x` (bogofilter robs). */
  s: number;
  /** Assumed spamminess of a token never seen (bogofilter robx). */
  x: number;
  /** Tokens with |f(w) - 0.5| below this are left out of the combination (bogofilter min_dev). */
  minDev: number;
  /** Most tokens combined per message, strongest first; 0 means all that pass minDev. */
  maxDiscriminators: number;
}

/** bogofilter 1.2.5's defaults; the benchmark measures alternatives against them. */
export const BOGOFILTER_PARAMS: Readonly<RobinsonParams> = Object.freeze({ s: 0.0178, x: 0.52, minDev: 0.375, maxDiscriminators: 0 });

/** bogofilter's default cut-offs (spam_cutoff, ham_cutoff). */
export const ROBINSON_THRESHOLDS: Readonly<Thresholds> = Object.freeze({ spam: 0.99, ham: 0.45 });

/** f(w) is kept this far from 0 and 1 so a single token can never make a logarithm infinite. */
const F_EPSILON = 1e-6;

/** Robinson's f(w): the token's spam ratio, pulled toward `x` when it has been seen rarely. */
export function tokenSpamminess(c: TokenCounts, nspam: number, nham: number, p: RobinsonParams): number | undefined {
  const n = c.spam + c.ham;
  if (n === 0) return undefined;
  // Ratios are per learned message of each class, so an unbalanced training set does not bias f(w).
  const bs = nspam > 0 ? c.spam / nspam : 0;
  const gh = nham > 0 ? c.ham / nham : 0;
  if (bs + gh === 0) return undefined;
  const pw = bs / (bs + gh);
  const f = (p.s * p.x + n * pw) / (p.s + n);
  return Math.min(1 - F_EPSILON, Math.max(F_EPSILON, f));
}

/**
 * ln of the upper tail of the chi-square distribution with an even number (2·halfDf) of degrees of
 * freedom at `chi2`: Q = e^-m Σ_{i<halfDf} m^i/i!, m = chi2/2. Summed in log space so a message with
 * thousands of strong tokens neither overflows nor rounds to exactly 0 (ranking needs the exponent).
 */
export function logChi2Q(chi2: number, halfDf: number): number {
  const m = chi2 / 2;
  if (m <= 0) return 0;
  const logM = Math.log(m);
  let logTerm = 0;
  let maxLog = 0;
  let sum = 1; // Σ exp(logTerm_i - maxLog), term 0 is 1
  for (let i = 1; i < halfDf; i++) {
    logTerm += logM - Math.log(i);
    if (logTerm > maxLog) {
      sum = sum * Math.exp(maxLog - logTerm) + 1;
      maxLog = logTerm;
    } else {
      sum += Math.exp(logTerm - maxLog);
    }
  }
  return Math.min(0, -m + maxLog + Math.log(sum));
}

/** Fisher-combines the spamminess of `tokens` (counts in the same order) into a classification. */
export function combine(
  tokens: readonly string[],
  lookup: TokenLookup,
  params: RobinsonParams,
  thresholds: Thresholds,
): Classification {
  const picked: { token: string; f: number; dev: number }[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const f = tokenSpamminess(lookup.counts[i], lookup.nspam, lookup.nham, params);
    if (f === undefined) continue;
    const dev = Math.abs(f - 0.5);
    if (dev >= params.minDev) picked.push({ token: tokens[i], f, dev });
  }
  if (params.maxDiscriminators > 0 && picked.length > params.maxDiscriminators) {
    picked.sort((a, b) => b.dev - a.dev);
    picked.length = params.maxDiscriminators;
  }
  if (picked.length === 0) {
    return { probability: params.x, score: 0, verdict: verdictFor(params.x, thresholds), topTokens: [] };
  }
  let sumLnF = 0;
  let sumLn1F = 0;
  for (const t of picked) {
    sumLnF += Math.log(t.f);
    sumLn1F += Math.log(1 - t.f);
  }
  // logH near 0: tokens agree on spam; logS near 0: they agree on ham.
  const logH = logChi2Q(-2 * sumLnF, picked.length);
  const logS = logChi2Q(-2 * sumLn1F, picked.length);
  const probability = (1 + Math.exp(logH) - Math.exp(logS)) / 2;
  const top: TokenWeight[] = picked
    .map((t) => ({ token: t.token, weight: Math.log(t.f / (1 - t.f)) }))
    .sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight))
    .slice(0, TOP_TOKENS);
  return { probability, score: logH - logS, verdict: verdictFor(probability, thresholds), topTokens: top };
}

/** In-memory Robinson-Fisher model: the same per-token counts and totals a TokenStore keeps. */
export class RobinsonFisher implements SpamModel {
  readonly name: string;
  readonly params: RobinsonParams;
  thresholds: Thresholds;
  private readonly counts = new Map<string, TokenCounts>();
  private nspam = 0;
  private nham = 0;

  constructor(params: Partial<RobinsonParams> = {}, thresholds: Thresholds = ROBINSON_THRESHOLDS, name = 'robinson-fisher') {
    this.params = { ...BOGOFILTER_PARAMS, ...params };
    this.thresholds = { ...thresholds };
    this.name = name;
  }

  learn(tokens: readonly string[], isSpam: boolean, delta: 1 | -1 = 1): void {
    if (isSpam) this.nspam = Math.max(0, this.nspam + delta);
    else this.nham = Math.max(0, this.nham + delta);
    for (const t of tokens) {
      let c = this.counts.get(t);
      if (!c) {
        if (delta < 0) continue;
        c = { spam: 0, ham: 0 };
        this.counts.set(t, c);
      }
      if (isSpam) c.spam = Math.max(0, c.spam + delta);
      else c.ham = Math.max(0, c.ham + delta);
      if (c.spam === 0 && c.ham === 0) this.counts.delete(t);
    }
  }

  /** What a TokenStore `get` would return for these tokens. */
  lookup(tokens: readonly string[]): TokenLookup {
    const none: TokenCounts = { spam: 0, ham: 0 };
    return { nspam: this.nspam, nham: this.nham, counts: tokens.map((t) => this.counts.get(t) ?? none) };
  }

  classify(tokens: readonly string[]): Classification {
    return combine(tokens, this.lookup(tokens), this.params, this.thresholds);
  }

  get size(): number {
    return this.counts.size;
  }
}
