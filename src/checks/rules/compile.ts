// Loads rule files (paths, globs, the shipped pack) and compiles atoms and expressions once, refusing anything ambiguous.

import { globSync, readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { atomsOf, parseBoolExpr, type BoolExpr } from '../../core/bool-expr.ts';
import type { SymbolDecl } from '../../core/check.ts';
import { readRuleDocument, RuleFileError, type AtomSpec, type RuleSpec } from './format.ts';

/** `files` entry that stands for the rule pack shipped with winnow. */
export const DEFAULT_PACK = '@default';
export const DEFAULT_PACK_DIR = fileURLToPath(new URL('../../../rules/', import.meta.url));
/** Where errors say inline config rules come from. */
export const INLINE_SOURCE = 'checks.rules';

/** What compiled expressions call back into: each atom and rule by index, memoised per message. */
export interface RuleEvaluator {
  atom(index: number): boolean;
  rule(index: number): boolean;
}
export type CompiledExpr = (ev: RuleEvaluator) => boolean;

export interface CompiledAtom {
  name: string;
  file: string;
  spec: AtomSpec;
}

export interface CompiledRule {
  symbol: string;
  file: string;
  decl: SymbolDecl;
  test: CompiledExpr;
}

export interface RulePack {
  atoms: CompiledAtom[];
  rules: CompiledRule[];
  /** Files the pack was read from, in load order. */
  files: string[];
  /** Patterns that matched no file: worth a warning, not an error (a conf.d directory may be empty). */
  emptyGlobs: string[];
}

export interface RuleSource {
  file: string;
  doc: unknown;
}

const GLOB_CHARS = /[*?[{]/;

/** Expands `files` entries into absolute paths; a plain path that does not exist is an error. */
export function resolveRuleFiles(patterns: readonly string[], configDir: string): { files: string[]; emptyGlobs: string[] } {
  const files: string[] = [];
  const emptyGlobs: string[] = [];
  for (const p of patterns) {
    if (p === DEFAULT_PACK) {
      files.push(...globSync('*.yaml', { cwd: DEFAULT_PACK_DIR }).sort().map((f) => join(DEFAULT_PACK_DIR, f)));
      continue;
    }
    const abs = isAbsolute(p) ? p : resolve(configDir, p);
    if (GLOB_CHARS.test(p)) {
      const found = globSync(abs).sort();
      if (found.length === 0) emptyGlobs.push(p);
      files.push(...found);
    } else {
      try {
        statSync(abs);
      } catch (err) {
        throw new RuleFileError(`rule file ${p}: ${(err as Error).message}`);
      }
      files.push(abs);
    }
  }
  return { files: [...new Set(files)], emptyGlobs };
}

/** Reads and YAML-parses one rule file; YAML errors (including duplicate keys) name the file and line. */
export function readRuleFile(file: string): RuleSource {
  const text = readFileSync(file, 'utf8');
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length) {
    const err = doc.errors[0];
    const line = err.linePos?.[0].line;
    const source = line ? text.split(/\r?\n/)[line - 1]?.trim() : undefined;
    throw new RuleFileError(`${file}${line ? `:${line}` : ''}: ${err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}${source ? ` near "${source}"` : ''}`);
  }
  return { file, doc: doc.toJS() };
}

/** Compiles documents into one pack; names are global across files, and a name defined twice is an error naming both files. */
export function compileRules(sources: readonly RuleSource[]): Omit<RulePack, 'files' | 'emptyGlobs'> {
  const atoms: CompiledAtom[] = [];
  const atomIndex = new Map<string, number>();
  const specs: { spec: RuleSpec; file: string }[] = [];
  const ruleIndex = new Map<string, number>();
  for (const { file, doc } of sources) {
    const d = readRuleDocument(file, doc);
    for (const [name, spec] of d.atoms) {
      const prev = atomIndex.get(name);
      if (prev !== undefined) throw new RuleFileError(`${file}: atom ${name}: already defined in ${atoms[prev].file}`);
      atomIndex.set(name, atoms.length);
      atoms.push({ name, file, spec });
    }
    for (const spec of d.rules) {
      const prev = ruleIndex.get(spec.symbol);
      if (prev !== undefined) throw new RuleFileError(`${file}: rule ${spec.symbol}: already defined in ${specs[prev].file}`);
      ruleIndex.set(spec.symbol, specs.length);
      specs.push({ spec, file });
    }
  }

  // Inline atoms get indices after the named ones; their names cannot clash (they are not lower_snake).
  const inlineAtom = new Map<string, number>();
  for (const { spec, file } of specs) {
    if (spec.inline) {
      inlineAtom.set(spec.symbol, atoms.length);
      atoms.push({ name: spec.symbol, file, spec: spec.inline });
    }
  }

  const parsed = specs.map(({ spec, file }) => {
    if (!spec.expression) return { expr: undefined, refs: [] as string[] };
    let expr: BoolExpr;
    try {
      expr = parseBoolExpr(spec.expression);
    } catch (err) {
      throw new RuleFileError(`${file}: rule ${spec.symbol}: ${(err as Error).message} in "${spec.expression}"`);
    }
    const refs: string[] = [];
    for (const name of atomsOf(expr)) {
      if (ruleIndex.has(name)) refs.push(name);
      else if (!atomIndex.has(name)) {
        throw new RuleFileError(`${file}: rule ${spec.symbol}: unknown atom or rule '${name}' in "${spec.expression}"`);
      }
    }
    return { expr, refs };
  });
  checkRuleCycles(specs, parsed.map((p) => p.refs), ruleIndex);

  const rules: CompiledRule[] = specs.map(({ spec, file }, i) => {
    const expr = parsed[i].expr;
    let test: CompiledExpr;
    if (expr) test = compileExpr(expr, atomIndex, ruleIndex);
    else {
      const idx = inlineAtom.get(spec.symbol)!;
      test = (ev) => ev.atom(idx);
    }
    return { symbol: spec.symbol, file, decl: { weight: spec.weight, description: spec.description, group: spec.group }, test };
  });
  return { atoms, rules };
}

function checkRuleCycles(specs: readonly { spec: RuleSpec; file: string }[], refs: readonly string[][], ruleIndex: Map<string, number>): void {
  const state = new Array<'visiting' | 'done' | undefined>(specs.length);
  const visit = (i: number, path: string[]): void => {
    if (state[i] === 'done') return;
    const name = specs[i].spec.symbol;
    if (state[i] === 'visiting') {
      throw new RuleFileError(`${specs[i].file}: rule ${name}: rules reference each other in a cycle: ${[...path, name].join(' -> ')}`);
    }
    state[i] = 'visiting';
    for (const r of refs[i]) visit(ruleIndex.get(r)!, [...path, name]);
    state[i] = 'done';
  };
  for (let i = 0; i < specs.length; i++) visit(i, []);
}

/** Turns the expression tree into closures once, so evaluation does no name lookups. */
function compileExpr(expr: BoolExpr, atoms: Map<string, number>, rules: Map<string, number>): CompiledExpr {
  switch (expr.kind) {
    case 'atom': {
      const r = rules.get(expr.name);
      if (r !== undefined) return (ev) => ev.rule(r);
      const a = atoms.get(expr.name)!;
      return (ev) => ev.atom(a);
    }
    case 'not': {
      const inner = compileExpr(expr.expr, atoms, rules);
      return (ev) => !inner(ev);
    }
    case 'and': {
      const items = expr.items.map((e) => compileExpr(e, atoms, rules));
      return (ev) => items.every((f) => f(ev));
    }
    case 'or': {
      const items = expr.items.map((e) => compileExpr(e, atoms, rules));
      return (ev) => items.some((f) => f(ev));
    }
  }
}

/** The whole pack for a config: listed files in order, then the inline `atoms`/`rules` of the config block. */
export function loadRulePack(config: { files: readonly string[]; atoms: Record<string, unknown>; rules: Record<string, unknown> }, configDir: string): RulePack {
  const { files, emptyGlobs } = resolveRuleFiles(config.files, configDir);
  const sources = files.map(readRuleFile);
  if (Object.keys(config.atoms).length || Object.keys(config.rules).length) {
    sources.push({ file: INLINE_SOURCE, doc: { atoms: config.atoms, rules: config.rules } });
  }
  return { ...compileRules(sources), files, emptyGlobs };
}

/** Short name for logs: the default pack's files by basename, others as given. */
export function displayName(file: string): string {
  return file.startsWith(DEFAULT_PACK_DIR) ? `@default/${basename(file)}` : file;
}
