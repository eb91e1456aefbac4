// Accumulates symbol hits into a score, merging repeated hits and capping each group's total at its max_score.

import type { ResolvedSymbol } from './symbol-table.ts';
import type { SymbolResult } from './types.ts';

/** More options than this on one symbol are dropped: they only bloat replies and history. */
export const MAX_SYMBOL_OPTIONS = 32;
/** Option strings longer than this are cut. */
export const MAX_OPTION_CHARS = 256;

export interface GroupLimit {
  maxScore?: number;
  minScore?: number;
}

interface RawHit {
  symbol: ResolvedSymbol;
  raw: number;
  effective: number;
  options: string[];
}

export class ScoreBoard {
  readonly #hits = new Map<string, RawHit>();
  readonly #groups: Record<string, GroupLimit>;
  #total = 0;

  constructor(groups: Record<string, GroupLimit>) {
    this.#groups = groups;
  }

  get total(): number {
    return this.#total;
  }

  has(name: string): boolean {
    return this.#hits.has(name);
  }

  names(): string[] {
    return [...this.#hits.keys()];
  }

  groupsHit(): Map<string, { positive: boolean; negative: boolean }> {
    const out = new Map<string, { positive: boolean; negative: boolean }>();
    for (const h of this.#hits.values()) {
      const g = out.get(h.symbol.group) ?? { positive: false, negative: false };
      if (h.raw > 0) g.positive = true;
      if (h.raw < 0) g.negative = true;
      out.set(h.symbol.group, g);
    }
    return out;
  }

  /** Records a hit. A repeated hit adds its options and keeps the larger-magnitude score. */
  add(symbol: ResolvedSymbol, options: readonly string[], multiplier: number, weightOverride?: number): void {
    const weight = weightOverride ?? symbol.weight;
    const raw = weight * (Number.isFinite(multiplier) ? multiplier : 1);
    const existing = this.#hits.get(symbol.name);
    if (existing) {
      if (Math.abs(raw) > Math.abs(existing.raw)) existing.raw = raw;
      mergeOptions(existing.options, options);
    } else {
      const opts: string[] = [];
      mergeOptions(opts, options);
      this.#hits.set(symbol.name, { symbol, raw, effective: raw, options: opts });
    }
    this.#recompute();
  }

  /** Removes a symbol's contribution (composites' remove policies); keeps it listed with score 0 when `keepSymbol`. */
  neutralize(name: string, keepSymbol: boolean): void {
    const h = this.#hits.get(name);
    if (!h) return;
    if (keepSymbol) h.raw = 0;
    else this.#hits.delete(name);
    this.#recompute();
  }

  remove(name: string): void {
    this.neutralize(name, false);
  }

  /** Applies group caps in hit order, so the symbols that came first keep their full score. */
  #recompute(): void {
    const groupSums = new Map<string, number>();
    let total = 0;
    for (const h of this.#hits.values()) {
      const limit = this.#groups[h.symbol.group];
      const sum = groupSums.get(h.symbol.group) ?? 0;
      let eff = h.raw;
      if (limit?.maxScore !== undefined && eff > 0 && sum + eff > limit.maxScore) eff = Math.max(0, limit.maxScore - sum);
      if (limit?.minScore !== undefined && eff < 0 && sum + eff < limit.minScore) eff = Math.min(0, limit.minScore - sum);
      h.effective = eff;
      groupSums.set(h.symbol.group, sum + eff);
      total += eff;
    }
    this.#total = total;
  }

  results(): Record<string, SymbolResult> {
    const out: Record<string, SymbolResult> = {};
    for (const h of this.#hits.values()) {
      out[h.symbol.name] = {
        name: h.symbol.name,
        score: h.effective,
        weight: h.symbol.weight,
        group: h.symbol.group,
        description: h.symbol.description,
        options: h.options,
      };
    }
    return out;
  }
}

function mergeOptions(into: string[], add: readonly string[]): void {
  for (const o of add) {
    if (into.length >= MAX_SYMBOL_OPTIONS) return;
    const s = o.length > MAX_OPTION_CHARS ? o.slice(0, MAX_OPTION_CHARS) : o;
    if (!into.includes(s)) into.push(s);
  }
}
