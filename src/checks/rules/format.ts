// Validates one rule document (`group`, `atoms`, `rules`) into typed atom and rule specs, with errors naming file, item and value.

import { parseRegexLiteral, RegexLiteralError } from '../../maps/regex-literal.ts';

/** Targets an atom can read; each key is also the YAML key that selects it. */
export const ATOM_TARGETS = ['header', 'body', 'rawbody', 'html', 'mimeheader', 'url'] as const;
export type AtomTarget = (typeof ATOM_TARGETS)[number];

/** Header selectors after `Name:`; `addr` and `name` work on address headers only. */
export const HEADER_SELECTORS = ['raw', 'addr', 'name'] as const;
export type HeaderSelector = 'value' | (typeof HEADER_SELECTORS)[number];
export const ADDRESS_HEADERS = ['from', 'to', 'cc', 'reply-to', 'sender'] as const;

export type AtomSpec =
  | { target: 'header'; header: string; select: HeaderSelector; re?: RegExp; exists?: boolean }
  | { target: 'mimeheader'; header: string; raw: boolean; re: RegExp }
  | { target: 'body' | 'rawbody' | 'html' | 'url'; re: RegExp };

export interface RuleSpec {
  symbol: string;
  /** Boolean expression over atoms and other rules; for an inline-atom rule, undefined. */
  expression?: string;
  /** The rule's own atom when written inline (`RULE: { body: '/x/', weight: 1 }`). */
  inline?: AtomSpec;
  weight: number;
  description: string;
  group: string;
}

export interface RuleDocument {
  atoms: Map<string, AtomSpec>;
  rules: RuleSpec[];
}

export const ATOM_NAME = /^[a-z][a-z0-9_]*$/;
export const RULE_NAME = /^[A-Z][A-Z0-9_]*$/;
const HEADER_NAME = /^[!-9;-~]+$/;
/** Group used when neither the rule nor its file names one. */
export const DEFAULT_RULE_GROUP = 'rules';

export class RuleFileError extends Error {}

function fail(file: string, what: string, problem: string, value?: unknown): never {
  const got = value === undefined ? '' : ` (got ${JSON.stringify(value)})`;
  throw new RuleFileError(`${file}: ${what}: ${problem}${got}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function regex(file: string, what: string, key: string, value: unknown): RegExp {
  if (typeof value !== 'string') fail(file, what, `${key} must be a /pattern/flags string`, value);
  try {
    return parseRegexLiteral(value);
  } catch (err) {
    if (err instanceof RegexLiteralError) fail(file, what, `${key}: ${err.message}`);
    throw err;
  }
}

const ATOM_KEYS = new Set<string>([...ATOM_TARGETS, 're', 'raw', 'exists']);
const RULE_KEYS = new Set(['expression', 'weight', 'description', 'group']);

/** Reads the atom part of an object (an atom entry, or an inline-atom rule). `what` names it in errors. */
function atomSpec(file: string, what: string, obj: Record<string, unknown>): AtomSpec {
  const targets = ATOM_TARGETS.filter((t) => t in obj);
  if (targets.length !== 1) fail(file, what, `needs exactly one of ${ATOM_TARGETS.join(', ')}`, targets.length ? targets : undefined);
  const target = targets[0];
  if (target === 'header' || target === 'mimeheader') {
    const spec = obj[target];
    if (typeof spec !== 'string' || spec === '') fail(file, what, `${target} must be a header name`, spec);
    const [name, selector, ...extra] = spec.split(':');
    if (!HEADER_NAME.test(name) || extra.length) fail(file, what, `${target} must be Name or Name:selector`, spec);
    if (target === 'mimeheader') {
      if (selector !== undefined) fail(file, what, 'mimeheader takes no selector; use raw: true for undecoded values', spec);
      if ('exists' in obj) fail(file, what, 'exists applies to header atoms only');
      if (obj.raw !== undefined && typeof obj.raw !== 'boolean') fail(file, what, 'raw must be true or false', obj.raw);
      return { target, header: name, raw: obj.raw === true, re: regex(file, what, 're', obj.re) };
    }
    let select: HeaderSelector = 'value';
    if (selector !== undefined) {
      if (!(HEADER_SELECTORS as readonly string[]).includes(selector)) fail(file, what, `unknown header selector; use one of ${HEADER_SELECTORS.join(', ')}`, spec);
      select = selector as HeaderSelector;
      if ((select === 'addr' || select === 'name') && !(ADDRESS_HEADERS as readonly string[]).includes(name.toLowerCase())) {
        fail(file, what, `:${select} works on ${ADDRESS_HEADERS.join(', ')} only`, spec);
      }
    }
    if (obj.raw !== undefined) {
      if (typeof obj.raw !== 'boolean') fail(file, what, 'raw must be true or false', obj.raw);
      if (obj.raw) {
        if (select !== 'value') fail(file, what, `raw: true conflicts with :${select}`, spec);
        select = 'raw';
      }
    }
    if ('exists' in obj) {
      if (typeof obj.exists !== 'boolean') fail(file, what, 'exists must be true or false', obj.exists);
      if ('re' in obj) fail(file, what, 'use either exists or re, not both');
      return { target, header: name, select, exists: obj.exists };
    }
    if (!('re' in obj)) fail(file, what, 'a header atom needs re or exists');
    return { target, header: name, select, re: regex(file, what, 're', obj.re) };
  }
  for (const k of ['re', 'raw', 'exists']) if (k in obj) fail(file, what, `${k} does not apply to ${target} atoms; write ${target}: '/pattern/flags'`);
  return { target, re: regex(file, what, target, obj[target]) };
}

/** Validates a parsed YAML document (or an inline config block) from `file`. */
export function readRuleDocument(file: string, doc: unknown): RuleDocument {
  if (doc === null || doc === undefined) return { atoms: new Map(), rules: [] };
  if (!isPlainObject(doc)) fail(file, 'top level', 'expected a mapping with atoms and rules', typeof doc);
  for (const k of Object.keys(doc)) if (!['group', 'atoms', 'rules'].includes(k)) fail(file, 'top level', `unknown key ${k}; expected group, atoms, rules`);
  const fileGroup = doc.group ?? DEFAULT_RULE_GROUP;
  if (typeof fileGroup !== 'string' || fileGroup === '') fail(file, 'group', 'must be a non-empty string', fileGroup);

  const atoms = new Map<string, AtomSpec>();
  const rawAtoms = doc.atoms ?? {};
  if (!isPlainObject(rawAtoms)) fail(file, 'atoms', 'expected a mapping of atom names to atoms', rawAtoms);
  for (const [name, a] of Object.entries(rawAtoms)) {
    const what = `atom ${name}`;
    if (!ATOM_NAME.test(name)) fail(file, what, 'atom names are lower_snake_case', name);
    if (!isPlainObject(a)) fail(file, what, 'expected a mapping', a);
    for (const k of Object.keys(a)) if (!ATOM_KEYS.has(k)) fail(file, what, `unknown key ${k}`);
    atoms.set(name, atomSpec(file, what, a));
  }

  const rules: RuleSpec[] = [];
  const rawRules = doc.rules ?? {};
  if (!isPlainObject(rawRules)) fail(file, 'rules', 'expected a mapping of symbol names to rules', rawRules);
  for (const [symbol, r] of Object.entries(rawRules)) {
    const what = `rule ${symbol}`;
    if (!RULE_NAME.test(symbol)) fail(file, what, 'rule names are UPPER_SNAKE_CASE symbols', symbol);
    if (!isPlainObject(r)) fail(file, what, 'expected a mapping', r);
    for (const k of Object.keys(r)) if (!RULE_KEYS.has(k) && !ATOM_KEYS.has(k)) fail(file, what, `unknown key ${k}`);
    if (typeof r.weight !== 'number' || !Number.isFinite(r.weight)) fail(file, what, 'weight must be a number', r.weight);
    if (typeof r.description !== 'string' || r.description === '') fail(file, what, 'description must be a non-empty string', r.description);
    const group = r.group ?? fileGroup;
    if (typeof group !== 'string' || group === '') fail(file, what, 'group must be a non-empty string', group);
    const base = { symbol, weight: r.weight, description: r.description, group };
    const hasAtomKeys = Object.keys(r).some((k) => ATOM_KEYS.has(k));
    if ('expression' in r) {
      if (hasAtomKeys) fail(file, what, 'give either an expression or an inline atom, not both');
      if (typeof r.expression !== 'string' || r.expression.trim() === '') fail(file, what, 'expression must be a non-empty string', r.expression);
      rules.push({ ...base, expression: r.expression });
    } else if (hasAtomKeys) {
      const atomPart = Object.fromEntries(Object.entries(r).filter(([k]) => ATOM_KEYS.has(k)));
      rules.push({ ...base, inline: atomSpec(file, what, atomPart) });
    } else {
      fail(file, what, `needs an expression or an inline atom (${ATOM_TARGETS.join(', ')})`);
    }
  }
  return { atoms, rules };
}
