// Composite symbols: boolean expressions over symbols and groups, evaluated after the filters, with rspamd's removal prefixes.

import { atomsOf, evaluateBoolExpr, parseBoolExpr, type BoolExpr } from './bool-expr.ts';
import type { ScoreBoard } from './scoring.ts';
import type { SymbolTable } from './symbol-table.ts';

export interface CompositeConfig {
  expression: string;
  weight: number;
  description?: string;
  group?: string;
}

/** What happens to a matched atom's symbol: no prefix = remove symbol and weight, `~` = keep the symbol at score 0, `-` = leave it. */
type RemovePolicy = 'all' | 'weight' | 'none';

interface Atom {
  raw: string;
  policy: RemovePolicy;
  /** Symbol name, or group name when `group` is set. */
  name: string;
  group?: 'any' | 'positive' | 'negative';
}

export interface CompiledComposite {
  name: string;
  expr: BoolExpr;
  atoms: Map<string, Atom>;
}

/** Composites may reference composites; passes beyond this stop a cycle from spinning. */
export const MAX_COMPOSITE_PASSES = 4;

function parseAtom(raw: string): Atom {
  let rest = raw;
  let policy: RemovePolicy = 'all';
  const prefix = rest[0];
  if (prefix === '~') policy = 'weight';
  else if (prefix === '-') policy = 'none';
  if (policy !== 'all') rest = rest.slice(1);
  const g = /^g([+-]?):(.+)$/.exec(rest);
  if (g) {
    return { raw, policy: 'none', name: g[2], group: g[1] === '+' ? 'positive' : g[1] === '-' ? 'negative' : 'any' };
  }
  return { raw, policy, name: rest };
}

/** Compiles composites, checking every referenced symbol and group exists. Throws with the composite's name on error. */
export function compileComposites(
  configs: Record<string, CompositeConfig>,
  symbols: SymbolTable,
): CompiledComposite[] {
  const groups = new Set(symbols.all().map((s) => s.group));
  return Object.entries(configs).map(([name, c]) => {
    let expr: BoolExpr;
    try {
      expr = parseBoolExpr(c.expression);
    } catch (e) {
      throw new Error(`composite ${name}: ${(e as Error).message} in "${c.expression}"`);
    }
    const atoms = new Map<string, Atom>();
    for (const raw of atomsOf(expr)) {
      const atom = parseAtom(raw);
      if (atom.group ? !groups.has(atom.name) : !symbols.has(atom.name)) {
        throw new Error(`composite ${name}: unknown ${atom.group ? 'group' : 'symbol'} '${atom.name}' in "${c.expression}"`);
      }
      atoms.set(raw, atom);
    }
    return { name, expr, atoms };
  });
}

/** Evaluates every composite against the board, adds the matches and applies removal policies; returns the names hit. */
export function applyComposites(
  composites: readonly CompiledComposite[],
  board: ScoreBoard,
  symbols: SymbolTable,
  enabled: (name: string) => boolean,
): string[] {
  const matched: CompiledComposite[] = [];
  const done = new Set<string>();
  for (let pass = 0; pass < MAX_COMPOSITE_PASSES; pass++) {
    let changed = false;
    const groupsHit = board.groupsHit();
    for (const c of composites) {
      if (done.has(c.name) || !enabled(c.name)) continue;
      const hit = evaluateBoolExpr(c.expr, (raw) => {
        const a = c.atoms.get(raw)!;
        if (!a.group) return board.has(a.name);
        const g = groupsHit.get(a.name);
        return !!g && (a.group === 'any' || (a.group === 'positive' ? g.positive : g.negative));
      });
      if (hit) {
        done.add(c.name);
        matched.push(c);
        board.add(symbols.get(c.name)!, [], 1);
        changed = true;
      }
    }
    if (!changed) break;
  }
  // Removal happens after all composites are decided, so one composite's removal cannot hide a symbol from another.
  for (const c of matched) {
    for (const a of c.atoms.values()) {
      if (a.group || !board.has(a.name)) continue;
      if (a.policy === 'all') board.neutralize(a.name, false);
      else if (a.policy === 'weight') board.neutralize(a.name, true);
    }
  }
  return matched.map((c) => c.name);
}
