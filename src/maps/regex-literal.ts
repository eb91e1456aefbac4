// Parses `/pattern/flags` regular-expression literals and refuses patterns with obviously catastrophic nested quantifiers.

/** Flags a literal may carry; `g` and `y` are refused because they make `test()` stateful across messages. */
export const ALLOWED_REGEX_FLAGS = 'imsu';

export class RegexLiteralError extends Error {}

/**
 * Compiles `/pattern/flags`. With `allowBare`, text that does not start with `/` is taken as the pattern itself
 * (map files list bare patterns). Throws RegexLiteralError with a message that names the problem.
 */
export function parseRegexLiteral(src: string, opts: { allowBare?: boolean } = {}): RegExp {
  let pattern: string;
  let flags = '';
  if (src.startsWith('/')) {
    const close = src.lastIndexOf('/');
    if (close === 0) throw new RegexLiteralError(`regex ${src} has no closing '/'`);
    pattern = src.slice(1, close);
    flags = src.slice(close + 1);
    for (const f of flags) {
      if (!ALLOWED_REGEX_FLAGS.includes(f)) throw new RegexLiteralError(`regex ${src} has unsupported flag '${f}' (allowed: ${ALLOWED_REGEX_FLAGS})`);
    }
    if (new Set(flags).size !== flags.length) throw new RegexLiteralError(`regex ${src} repeats a flag`);
  } else if (opts.allowBare) {
    pattern = src;
  } else {
    throw new RegexLiteralError(`regex ${src} must be written /pattern/flags`);
  }
  if (pattern === '') throw new RegexLiteralError(`regex ${src} is empty`);
  let re: RegExp;
  try {
    re = new RegExp(pattern, flags);
  } catch (err) {
    throw new RegexLiteralError(`regex ${src} is invalid: ${(err as Error).message}`);
  }
  const nested = findNestedQuantifier(pattern);
  if (nested) throw new RegexLiteralError(`regex ${src} nests unbounded quantifiers in '${nested}' (catastrophic backtracking); rewrite it`);
  return re;
}

/**
 * Returns the first group that repeats without bound while one of its alternatives is made only of optional or
 * repeated items with at least one unbounded repeat (`(a+)+`, `(\w+\s?)*`, `(x|y*)+`); such a group can match the
 * same text in exponentially many ways. A mandatory literal in every alternative (`([a-z]+\.)+`) makes it safe
 * enough and is allowed. This is a cheap screen, not a proof: input length caps are the real guard.
 */
export function findNestedQuantifier(pattern: string): string | undefined {
  interface Branch {
    unbounded: boolean;
    mandatory: boolean;
  }
  interface Frame {
    start: number;
    branches: Branch[];
  }
  const stack: Frame[] = [{ start: 0, branches: [{ unbounded: false, mandatory: false }] }];
  const branch = () => {
    const b = stack[stack.length - 1].branches;
    return b[b.length - 1];
  };
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === '|') {
      stack[stack.length - 1].branches.push({ unbounded: false, mandatory: false });
      i++;
      continue;
    }
    if (c === '(') {
      i++;
      if (pattern[i] === '?') i = skipGroupPrefix(pattern, i);
      stack.push({ start: i - 1, branches: [{ unbounded: false, mandatory: false }] });
      continue;
    }
    // One atom: a closing group, an escape, a class or a single character; then its quantifier.
    let atomInner: { unbounded: boolean; risky: boolean } | undefined;
    let atomStart = i;
    if (c === ')') {
      const frame = stack.length > 1 ? stack.pop()! : stack[0];
      atomStart = frame.start;
      atomInner = {
        unbounded: frame.branches.some((b) => b.unbounded),
        risky: frame.branches.some((b) => b.unbounded && !b.mandatory),
      };
      i++;
    } else if (c === '\\') {
      i += 2;
    } else if (c === '[') {
      i = skipClass(pattern, i);
    } else {
      i++;
    }
    const q = readQuantifier(pattern, i);
    i = q.end;
    const b = branch();
    if (atomInner?.risky && q.unbounded) return pattern.slice(atomStart, i);
    const repeats = q.unbounded || atomInner?.unbounded === true;
    if (repeats) b.unbounded = true;
    // Only a fixed, required item separates repetitions; a repeated one can trade characters with its neighbours.
    else if (q.min > 0 && !isAssertion(c)) b.mandatory = true;
  }
  return undefined;
}

function isAssertion(c: string): boolean {
  return c === '^' || c === '$';
}

/** `i` points at the `?` after `(`; returns the index just past `(?:`, `(?=`, `(?!`, `(?<=`, `(?<!` or `(?<name>`. */
function skipGroupPrefix(p: string, i: number): number {
  const next = p[i + 1];
  if (next === ':' || next === '=' || next === '!') return i + 2;
  if (next === '<') {
    if (p[i + 2] === '=' || p[i + 2] === '!') return i + 3;
    const close = p.indexOf('>', i);
    return close === -1 ? p.length : close + 1;
  }
  return i + 1;
}

/** `i` points at `[`; returns the index just past the matching `]`. */
function skipClass(p: string, i: number): number {
  let j = i + 1;
  if (p[j] === '^') j++;
  if (p[j] === ']') j++; // a leading `]` is literal
  while (j < p.length && p[j] !== ']') j += p[j] === '\\' ? 2 : 1;
  return j + 1;
}

function readQuantifier(p: string, i: number): { min: number; unbounded: boolean; end: number } {
  const c = p[i];
  let out: { min: number; unbounded: boolean; end: number };
  if (c === '*') out = { min: 0, unbounded: true, end: i + 1 };
  else if (c === '+') out = { min: 1, unbounded: true, end: i + 1 };
  else if (c === '?') out = { min: 0, unbounded: false, end: i + 1 };
  else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i));
    if (!m) return { min: 1, unbounded: false, end: i };
    out = { min: Number(m[1]), unbounded: m[2] !== undefined && m[3] === '', end: i + m[0].length };
  } else return { min: 1, unbounded: false, end: i };
  if (p[out.end] === '?') out.end++; // lazy quantifiers backtrack the same way
  return out;
}
