// Reads the YAML config, validates it (core schema + each check's schema) and freezes the result; errors name key, rule, value and line.

import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { configSchema, type FileConfig } from './schema.ts';
import type { AnyCheck } from '../core/check.ts';
import { WinnowError } from '../errors.ts';
import { DEFAULT_THRESHOLDS, validateThresholds } from '../core/actions.ts';
import { thresholdsFrom } from './engine-config.ts';

/** Looked for when neither --config nor WINNOW_CONFIG names a file. */
export const SYSTEM_CONFIG_PATH = '/etc/winnow/winnow.yaml';

export interface ConfigIssue {
  /** Dotted key path, e.g. `checks.header-sanity.max_future_hours`. */
  key: string;
  /** What the rule requires. */
  rule: string;
  /** The offending value, JSON-encoded; undefined when the key is missing. */
  value?: string;
  line?: number;
}

export class ConfigError extends WinnowError {
  readonly issues: ConfigIssue[];
  readonly file: string | undefined;
  constructor(file: string | undefined, issues: ConfigIssue[]) {
    super('ERR_CONFIG_INVALID', formatIssues(file, issues));
    this.issues = issues;
    this.file = file;
  }
}

export function formatIssues(file: string | undefined, issues: ConfigIssue[]): string {
  const where = (i: ConfigIssue) => (file ? `${file}${i.line ? `:${i.line}` : ''}: ` : i.line ? `line ${i.line}: ` : '');
  return issues
    .map((i) => `${where(i)}${i.key || '(top level)'}: ${i.rule}${i.value !== undefined ? ` (got ${i.value})` : ''}`)
    .join('\n');
}

export interface LoadedConfig {
  /** Absolute path of the file read, or undefined when running on embedded defaults. */
  path: string | undefined;
  /** Directory relative paths resolve against. */
  dir: string;
  file: Readonly<FileConfig>;
  dataDir: string;
  /** Validated config of each enabled check; disabled checks are absent. */
  checks: Readonly<Record<string, unknown>>;
  disabledChecks: string[];
  /** Source of a key path: `file:line` or `default`. */
  sourceOf(path: readonly (string | number)[]): string;
}

export function defaultDataDir(): string {
  if (process.env.WINNOW_DATA_DIR) return resolve(process.env.WINNOW_DATA_DIR);
  if (process.getuid?.() === 0) return '/var/lib/winnow';
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'winnow');
}

/** Which file to read: explicit path, then WINNOW_CONFIG, then the system path if present; undefined = embedded defaults. */
export function configPath(explicit?: string): string | undefined {
  if (explicit) return resolve(explicit);
  if (process.env.WINNOW_CONFIG) return resolve(process.env.WINNOW_CONFIG);
  return existsSync(SYSTEM_CONFIG_PATH) ? SYSTEM_CONFIG_PATH : undefined;
}

export function loadConfigFile(path: string | undefined, checks: readonly AnyCheck[]): LoadedConfig {
  let text = '';
  if (path !== undefined) {
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError(path, [{ key: '', rule: `cannot read the file: ${(err as NodeJS.ErrnoException).code ?? String(err)}` }]);
    }
  }
  return loadConfigText(text, checks, path);
}

/** Validates config text; `path` only labels messages and anchors relative paths. */
export function loadConfigText(text: string, checks: readonly AnyCheck[], path?: string): LoadedConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      path,
      doc.errors.map((e) => ({ key: '', rule: `YAML syntax: ${e.message.split('\n')[0]}`, line: e.linePos?.[0].line })),
    );
  }
  const raw: unknown = doc.toJS() ?? {};
  const lineOf = (p: readonly PropertyKey[]) => nodeLine(doc, lines, p);

  const parsed = configSchema.safeParse(raw);
  const issues: ConfigIssue[] = parsed.success ? [] : zodIssues(parsed.error, raw, [], lineOf);
  const checkConfigs: Record<string, unknown> = {};
  const disabled: string[] = [];
  if (parsed.success) {
    const known = new Map(checks.map((c) => [c.name, c]));
    for (const name of Object.keys(parsed.data.checks)) {
      if (!known.has(name)) {
        issues.push({ key: `checks.${name}`, rule: `unknown check; known checks: ${[...known.keys()].sort().join(', ')}`, line: lineOf(['checks', name]) });
      }
    }
    for (const c of checks) {
      const { enabled, ...rest } = (parsed.data.checks[c.name] ?? {}) as { enabled?: unknown } & Record<string, unknown>;
      if (enabled !== undefined && typeof enabled !== 'boolean') {
        issues.push({ key: `checks.${c.name}.enabled`, rule: 'expected true or false', value: JSON.stringify(enabled), line: lineOf(['checks', c.name, 'enabled']) });
        continue;
      }
      if (enabled === false || (enabled === undefined && c.enabledByDefault === false)) {
        disabled.push(c.name);
        continue;
      }
      if (!c.configSchema) {
        const extra = Object.keys(rest);
        if (extra.length) issues.push({ key: `checks.${c.name}.${extra[0]}`, rule: 'this check takes no settings besides `enabled`', line: lineOf(['checks', c.name, extra[0]]) });
        checkConfigs[c.name] = {};
        continue;
      }
      const r = c.configSchema.safeParse(rest);
      if (r.success) checkConfigs[c.name] = deepFreeze(r.data);
      else issues.push(...zodIssues(r.error, rest, ['checks', c.name], lineOf));
    }
    const thresholdProblem = validateThresholds({ ...DEFAULT_THRESHOLDS, ...thresholdsFrom(parsed.data.actions) });
    if (thresholdProblem) issues.push({ key: 'actions', rule: thresholdProblem, line: lineOf(['actions']) });
    issues.push(...unknownProfiles(parsed.data, lineOf));
    for (const [id, profile] of Object.entries(parsed.data.settings)) {
      for (const field of ['checks_enabled', 'checks_disabled'] as const) {
        for (const name of profile[field] ?? []) {
          if (!known.has(name)) issues.push({ key: `settings.${id}.${field}`, rule: 'names an unknown check', value: JSON.stringify(name), line: lineOf(['settings', id, field]) });
        }
      }
    }
  }
  if (issues.length > 0) throw new ConfigError(path, issues);
  const file = deepFreeze(parsed.data!);
  const dir = path ? dirname(path) : process.cwd();
  return {
    path,
    dir,
    file,
    dataDir: file.data_dir ? resolve(dir, file.data_dir) : defaultDataDir(),
    checks: Object.freeze(checkConfigs),
    disabledChecks: disabled,
    sourceOf: (p) => {
      const line = nodeLine(doc, lines, p, false);
      return line !== undefined ? `${path ?? 'config'}:${line}` : 'default';
    },
  };
}

/** Listener settings that name a settings profile must name one the config defines (else every scan would warn). */
function unknownProfiles(file: FileConfig, lineOf: (p: readonly PropertyKey[]) => number | undefined): ConfigIssue[] {
  const refs: { path: string[]; name: string | undefined }[] = [
    { path: ['policy', 'settings_id'], name: file.policy.settings_id },
    { path: ['milter', 'settings_id'], name: file.milter.settings_id },
    { path: ['milter', 'authenticated'], name: ['scan', 'skip'].includes(file.milter.authenticated) ? undefined : file.milter.authenticated },
  ];
  const defined = Object.keys(file.settings);
  return refs
    .filter((r): r is { path: string[]; name: string } => r.name !== undefined && !(r.name in file.settings))
    .map((r) => ({
      key: r.path.join('.'),
      rule: `names no settings profile; defined: ${defined.length > 0 ? defined.sort().join(', ') : 'none'}${r.path[1] === 'authenticated' ? ' (or use scan / skip)' : ''}`,
      value: JSON.stringify(r.name),
      line: lineOf(r.path),
    }));
}

function zodIssues(error: z.ZodError, raw: unknown, prefix: (string | number)[], lineOf: (p: readonly PropertyKey[]) => number | undefined): ConfigIssue[] {
  return error.issues.map((issue) => {
    const path = [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    const value = valueAt(raw, issue.path);
    let rule = issue.message;
    if (issue.code === 'unrecognized_keys') {
      const keys = (issue as { keys: string[] }).keys;
      return { key: [...path, keys[0]].join('.'), rule: `unknown key${keys.length > 1 ? ` (also: ${keys.slice(1).join(', ')})` : ''}`, line: lineOf([...path, keys[0]]) ?? lineOf(path) };
    }
    if (value === undefined) rule = rule.replace(/, received undefined$/, '') + ' (missing)';
    return { key: path.join('.'), rule, value: value === undefined ? undefined : JSON.stringify(value), line: lineOf(path) };
  });
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = raw;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

/** Line of the node at `path`; with `nearest`, of its closest existing ancestor (for error messages). */
function nodeLine(doc: Document, lines: LineCounter, path: readonly PropertyKey[], nearest = true): number | undefined {
  for (let n = path.length; n > 0; n--) {
    const node = doc.getIn(path.slice(0, n) as unknown[], true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return lines.linePos(node.range[0]).line;
    if (!nearest) return undefined;
  }
  return undefined;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
