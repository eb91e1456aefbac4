// Parses and evaluates boolean expressions over named atoms (`A & (B | !g:headers)`), shared by composites and rules.

export type BoolExpr =
  | { kind: 'atom'; name: string }
  | { kind: 'not'; expr: BoolExpr }
  | { kind: 'and'; items: BoolExpr[] }
  | { kind: 'or'; items: BoolExpr[] };

/** Expressions deeper than this are refused: they are typos, and recursion must stay bounded. */
export const MAX_EXPR_DEPTH = 64;

const ATOM_CHAR = /[A-Za-z0-9_:+.\-~^/]/;

type Token = { t: 'atom'; v: string; at: number } | { t: '&' | '|' | '!' | '(' | ')'; at: number };

export class ExpressionError extends Error {
  readonly position: number;
  constructor(message: string, position: number) {
    super(`${message} at position ${position}`);
    this.position = position;
  }
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n') {
      i++;
    } else if (c === '&' || c === '|') {
      out.push({ t: c, at: i });
      i += src[i + 1] === c ? 2 : 1;
    } else if (c === '!' || c === '(' || c === ')') {
      out.push({ t: c, at: i });
      i++;
    } else if (ATOM_CHAR.test(c)) {
      const start = i;
      while (i < src.length && ATOM_CHAR.test(src[i])) i++;
      out.push({ t: 'atom', v: src.slice(start, i), at: start });
    } else {
      throw new ExpressionError(`unexpected character '${c}'`, i);
    }
  }
  return out;
}

/** Parses `expr`; precedence: `!` binds tightest, then `&`, then `|`. */
export function parseBoolExpr(src: string): BoolExpr {
  const tokens = tokenize(src);
  let pos = 0;
  const peek = () => tokens[pos];
  const end = () => (tokens.length ? tokens[tokens.length - 1].at + 1 : 0);

  function parseOr(depth: number): BoolExpr {
    const items = [parseAnd(depth)];
    while (peek()?.t === '|') {
      pos++;
      items.push(parseAnd(depth));
    }
    return items.length === 1 ? items[0] : { kind: 'or', items };
  }
  function parseAnd(depth: number): BoolExpr {
    const items = [parseUnary(depth)];
    while (peek()?.t === '&') {
      pos++;
      items.push(parseUnary(depth));
    }
    return items.length === 1 ? items[0] : { kind: 'and', items };
  }
  function parseUnary(depth: number): BoolExpr {
    if (depth > MAX_EXPR_DEPTH) throw new ExpressionError('expression nested too deeply', peek()?.at ?? end());
    const tok = peek();
    if (!tok) throw new ExpressionError('unexpected end of expression', end());
    if (tok.t === '!') {
      pos++;
      return { kind: 'not', expr: parseUnary(depth + 1) };
    }
    if (tok.t === '(') {
      pos++;
      const inner = parseOr(depth + 1);
      if (peek()?.t !== ')') throw new ExpressionError("missing ')'", peek()?.at ?? end());
      pos++;
      return inner;
    }
    if (tok.t === 'atom') {
      pos++;
      return { kind: 'atom', name: tok.v };
    }
    throw new ExpressionError(`unexpected '${tok.t}'`, tok.at);
  }

  if (tokens.length === 0) throw new ExpressionError('empty expression', 0);
  const expr = parseOr(0);
  if (pos < tokens.length) throw new ExpressionError(`unexpected '${tokens[pos].t === 'atom' ? (tokens[pos] as { v: string }).v : tokens[pos].t}'`, tokens[pos].at);
  return expr;
}

/** Evaluates with short-circuiting; `atom` decides each named atom. */
export function evaluateBoolExpr(expr: BoolExpr, atom: (name: string) => boolean): boolean {
  switch (expr.kind) {
    case 'atom':
      return atom(expr.name);
    case 'not':
      return !evaluateBoolExpr(expr.expr, atom);
    case 'and':
      return expr.items.every((e) => evaluateBoolExpr(e, atom));
    case 'or':
      return expr.items.some((e) => evaluateBoolExpr(e, atom));
  }
}

/** Every atom name in the expression, in order of appearance, without duplicates. */
export function atomsOf(expr: BoolExpr): string[] {
  const out = new Set<string>();
  const walk = (e: BoolExpr): void => {
    if (e.kind === 'atom') out.add(e.name);
    else if (e.kind === 'not') walk(e.expr);
    else e.items.forEach(walk);
  };
  walk(expr);
  return [...out];
}
