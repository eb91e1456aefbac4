// Explains one verdict for the UI: every symbol with weight, group and description, the Bayes evidence, and what would have changed the action.

import { actionForScore } from '../../core/actions.ts';
import type { ResolvedSymbol } from '../../core/symbol-table.ts';
import { THRESHOLD_ACTIONS, type Action, type Thresholds } from '../../core/types.ts';
import { parseTokenOptions } from '../../classifier/token-options.ts';
import type { TokenWeight } from '../../classifier/types.ts';

/** Symbols whose first option is the Bayes probability (src/checks/bayes); the rest of their options are tokens. */
export const BAYES_VERDICT_SYMBOLS = ['BAYES_SPAM', 'BAYES_HAM', 'BAYES_UNSURE'];
/** At most this many symbols are named in one "what if" line: past that, the sentence says nothing useful. */
const MAX_WHATIF_SYMBOLS = 5;

export interface VerdictInput {
  score: number;
  action: Action;
  thresholds: Thresholds;
  symbols: { name: string; score: number; options: readonly string[] }[];
  /** The check that forced the action, when known (fresh scans). */
  forcedBy?: string;
}

export interface ExplainedSymbol {
  name: string;
  score: number;
  /** Configured weight; absent for a symbol this configuration no longer declares. */
  weight?: number;
  group?: string;
  description?: string;
  options: string[];
}

export interface BayesExplanation {
  symbol: string;
  probability: number;
  /** Strongest first; positive pushed toward spam. */
  tokens: TokenWeight[];
}

export interface WhatIf {
  /** The action whose threshold this line is about. */
  action: string;
  /** The threshold itself. */
  scoreNeeded: number;
  /** score − threshold: ≥ 0 when the threshold was reached (points over), < 0 when not (points missing). */
  delta: number;
  reached: boolean;
  /** Symbols whose removal alone (or together, when none does alone) would have crossed the threshold. */
  symbols: string[];
  /** The action the score would have given after that removal. */
  resultingAction?: string;
  text: string;
}

export interface Explanation {
  symbols: ExplainedSymbol[];
  bayes: BayesExplanation | null;
  whatIf: WhatIf[];
  /** True when a check forced the action regardless of the score (the thresholds did not decide). */
  forced: boolean;
  forcedBy?: string;
}

const fmt = (n: number): string => (Math.round(n * 100) / 100).toFixed(2);

export function explainSymbols(input: VerdictInput, lookup: (name: string) => ResolvedSymbol | undefined): ExplainedSymbol[] {
  return input.symbols
    .map((s) => {
      const decl = lookup(s.name);
      const out: ExplainedSymbol = { name: s.name, score: s.score, options: [...s.options] };
      if (decl) Object.assign(out, { weight: decl.weight, group: decl.group, description: decl.description });
      return out;
    })
    .sort((a, b) => b.score - a.score || a.name.localeCompare(b.name));
}

/** The Bayes evidence recorded in a BAYES_* symbol's options: probability first, then `token:±weight` entries. */
export function bayesFromSymbols(symbols: VerdictInput['symbols']): BayesExplanation | null {
  const s = symbols.find((x) => BAYES_VERDICT_SYMBOLS.includes(x.name));
  if (!s) return null;
  const probability = Number(s.options[0]);
  if (!Number.isFinite(probability)) return null;
  return { symbol: s.name, probability, tokens: parseTokenOptions(s.options.slice(1)) };
}

/**
 * Smallest-looking set of symbols whose removal moves the score by more than `gap`: one symbol when one is enough
 * (the smallest such), else the strongest ones in turn. `sign` +1 looks at positive symbols (to lower the score), −1
 * at negative ones (to raise it). Undefined when even all of them would not do.
 */
function removalSet(symbols: VerdictInput['symbols'], gap: number, sign: 1 | -1, strict: boolean): { names: string[]; moved: number } | undefined {
  const pool = symbols.filter((s) => s.score * sign > 0).map((s) => ({ name: s.name, v: s.score * sign }));
  const enough = (v: number) => (strict ? v > gap : v >= gap);
  const singles = pool.filter((s) => enough(s.v)).sort((a, b) => a.v - b.v || a.name.localeCompare(b.name));
  if (singles.length > 0) return { names: [singles[0].name], moved: singles[0].v };
  let moved = 0;
  const names: string[] = [];
  for (const s of pool.sort((a, b) => b.v - a.v || a.name.localeCompare(b.name))) {
    names.push(s.name);
    moved += s.v;
    if (enough(moved)) return { names, moved };
  }
  return undefined;
}

/**
 * One line per enabled threshold, harshest first. For a threshold the score reached: how many points over, and which
 * symbols, if they had not fired, would have kept the message below it (and what action it would have got). For one
 * not reached: how many points were missing, and which negative symbols held it back. Composites and group caps are
 * not re-evaluated: removing a symbol is assumed to take away exactly its score.
 */
export function whatIf(input: VerdictInput): WhatIf[] {
  const out: WhatIf[] = [];
  for (const action of THRESHOLD_ACTIONS) {
    const limit = input.thresholds[action];
    if (limit === null) continue;
    const delta = input.score - limit;
    if (delta >= 0) {
      const set = removalSet(input.symbols, delta, 1, true);
      const after = set ? actionForScore(input.score - set.moved, input.thresholds) : undefined;
      const named = set ? set.names.slice(0, MAX_WHATIF_SYMBOLS).join(', ') + (set.names.length > MAX_WHATIF_SYMBOLS ? ', …' : '') : '';
      const text = set
        ? `${action} (${fmt(limit)}) was reached with ${fmt(delta)} to spare; without ${named} the score would have been ${fmt(input.score - set.moved)} (${after})`
        : `${action} (${fmt(limit)}) was reached with ${fmt(delta)} to spare; no positive symbol could be removed to drop below it`;
      out.push({ action, scoreNeeded: limit, delta, reached: true, symbols: set?.names ?? [], resultingAction: after, text });
    } else {
      const set = removalSet(input.symbols, -delta, -1, false);
      const after = set ? actionForScore(input.score + set.moved, input.thresholds) : undefined;
      const named = set ? set.names.slice(0, MAX_WHATIF_SYMBOLS).join(', ') + (set.names.length > MAX_WHATIF_SYMBOLS ? ', …' : '') : '';
      const text = set
        ? `${action} (${fmt(limit)}) was ${fmt(-delta)} points away; without ${named} the score would have been ${fmt(input.score + set.moved)} (${after})`
        : `${action} (${fmt(limit)}) was ${fmt(-delta)} points away`;
      out.push({ action, scoreNeeded: limit, delta, reached: false, symbols: set?.names ?? [], resultingAction: after, text });
    }
  }
  return out;
}

export function explain(input: VerdictInput, lookup: (name: string) => ResolvedSymbol | undefined, bayes?: BayesExplanation | null): Explanation {
  const byScore = actionForScore(input.score, input.thresholds);
  const forced = input.action !== byScore;
  const lines = whatIf(input);
  if (forced) {
    const by = input.forcedBy ? `by ${input.forcedBy}` : 'by a check';
    lines.unshift({
      action: input.action,
      scoreNeeded: input.score,
      delta: 0,
      reached: true,
      symbols: [],
      text: `the action ${input.action} was forced ${by}; by score alone the message would have got ${byScore}`,
    });
  }
  const out: Explanation = { symbols: explainSymbols(input, lookup), bayes: bayes ?? bayesFromSymbols(input.symbols), whatIf: lines, forced };
  if (input.forcedBy) out.forcedBy = input.forcedBy;
  return out;
}
