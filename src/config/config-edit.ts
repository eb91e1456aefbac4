// Edits the YAML config file in place for the controller (thresholds, symbol weights): comments kept, the result validated whole, written atomically.

import { randomBytes } from 'node:crypto';
import { chmod, open, readFile, realpath, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { AnyCheck } from '../core/check.ts';
import { ConfigError, loadConfigText } from './load.ts';

/** Threshold keys of the `actions:` block, mildest first: each must not be below the one before it. */
export const THRESHOLD_KEYS = ['greylist', 'add_header', 'rewrite_subject', 'soft_reject', 'reject'] as const;
export type ThresholdKey = (typeof THRESHOLD_KEYS)[number];

/** Another process editing the file holds the lock at most this long in practice; an older lock file is left over from a crash. */
const LOCK_STALE_MS = 30_000;
const LOCK_WAIT_MS = 5_000;
const LOCK_RETRY_MS = 25;

export interface FieldProblem {
  field: string;
  message: string;
}

/** An edit refused: nothing was written. `fields` name what is wrong, in the request's own terms. */
export class ConfigEditError extends Error {
  readonly fields: FieldProblem[];
  readonly code: string;
  constructor(message: string, fields: FieldProblem[], code = 'ERR_CONFIG_INVALID') {
    super(message);
    this.name = 'ConfigEditError';
    this.fields = fields;
    this.code = code;
  }
}

/**
 * Thresholds must rise with severity (greylist ≤ add header ≤ rewrite subject ≤ soft reject ≤ reject, null = off),
 * or a higher score would get a milder action. Every threshold out of order is named, with the one it clashes with.
 */
export function thresholdProblems(values: Readonly<Record<ThresholdKey, number | null>>): FieldProblem[] {
  const out: FieldProblem[] = [];
  let prev: { key: ThresholdKey; value: number } | undefined;
  for (const key of THRESHOLD_KEYS) {
    const v = values[key];
    if (v === null) continue;
    if (!Number.isFinite(v)) {
      out.push({ field: key, message: 'must be a finite number or null' });
      continue;
    }
    if (prev && v < prev.value) {
      out.push({ field: key, message: `${v} is below ${prev.key} (${prev.value}); thresholds must rise with severity: ${THRESHOLD_KEYS.join(' ≤ ')}` });
      continue;
    }
    prev = { key, value: v };
  }
  return out;
}

export interface ConfigEditor {
  readonly path: string;
  setActions(values: Partial<Record<ThresholdKey, number | null>>): Promise<void>;
  setWeights(weights: Record<string, number>): Promise<void>;
}

/** The request's name for a config issue: `actions.reject` → `reject`, `symbols.FOO.weight` → `FOO`. */
function fieldOf(key: string): string {
  const parts = key.split('.');
  if (parts[0] === 'actions' && parts[1]) return parts[1];
  if (parts[0] === 'symbols' && parts[1]) return parts[1];
  return key || '(file)';
}

export function createConfigEditor(path: string, checks: readonly AnyCheck[]): ConfigEditor {
  /** Applies `change` to the document, validates the whole result like a start-up would, then replaces the file. */
  const edit = (change: (doc: ReturnType<typeof parseDocument>, current: ReturnType<typeof loadConfigText>) => void) =>
    withLock(path, async () => {
      const target = await realpath(path);
      const text = await readFile(target, 'utf8');
      const doc = parseDocument(text, { uniqueKeys: true });
      if (doc.errors.length > 0) throw new ConfigEditError(`${path} has a YAML error; fix it by hand first: ${doc.errors[0].message.split('\n')[0]}`, [], 'ERR_CONFIG_UNREADABLE');
      change(doc, validate(text, path, checks));
      const next = doc.toString();
      validate(next, path, checks);
      await writeAtomic(target, next);
    });

  return {
    path,
    setActions: (values) =>
      edit((doc, current) => {
        const merged = { ...(current.file.actions as Record<ThresholdKey, number | null>), ...values };
        const problems = thresholdProblems(merged);
        if (problems.length > 0) throw new ConfigEditError(problems[0].message, problems);
        for (const [k, v] of Object.entries(values)) doc.setIn(['actions', k], v);
      }),
    setWeights: (weights) =>
      edit((doc) => {
        for (const [name, w] of Object.entries(weights)) doc.setIn(['symbols', name, 'weight'], w);
      }),
  };
}

function validate(text: string, path: string, checks: readonly AnyCheck[]): ReturnType<typeof loadConfigText> {
  try {
    return loadConfigText(text, checks, path);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const fields = err.issues.map((i) => ({ field: fieldOf(i.key), message: `${i.key}: ${i.rule}${i.value !== undefined ? ` (got ${i.value})` : ''}` }));
    throw new ConfigEditError(fields[0]?.message ?? err.message, fields);
  }
}

/** Written beside the file and renamed over it: a reader (or a crash) sees the old file or the new one, never half. */
async function writeAtomic(target: string, text: string): Promise<void> {
  const tmp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const mode = (await stat(target)).mode & 0o7777;
  try {
    await writeFile(tmp, text, { mode });
    await chmod(tmp, mode);
    await rename(tmp, target);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/** Serialises edits across worker processes with an O_EXCL lock file beside the config. */
async function withLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${path}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const fh = await open(lock, 'wx', 0o600);
      await fh.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > LOCK_STALE_MS) await unlink(lock).catch(() => undefined);
      else if (Date.now() > deadline) throw new ConfigEditError(`${lock} is held by another edit; try again`, [], 'ERR_CONFIG_BUSY');
      else await new Promise((r) => setTimeout(r, LOCK_RETRY_MS));
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}
