// Finds, lays out (with ../shared/corpus/get-corpus.sh) and loads the SpamAssassin corpus the benchmarks run on.

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Split = 'train' | 'test';
export type Label = 'spam' | 'ham';

export interface CorpusMessage {
  /** Path relative to the corpus directory, e.g. `test/spam/0001.eml`. */
  name: string;
  split: Split;
  label: Label;
  bytes: Buffer;
}

/** Files the full layout has (4,150 ham + 1,896 spam); fewer means the script is still running or failed. */
export const FULL_CORPUS_FILES = 6046;

export const REPO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const GET_CORPUS_SCRIPT = resolve(REPO_DIR, '../shared/corpus/get-corpus.sh');
/** The first run installs a ~93 MB npm package; give it time. */
const GET_CORPUS_TIMEOUT_MS = 30 * 60_000;

/** `--corpus`, else `$WINNOW_CORPUS`, else `<repo>/.corpus` (git-ignored). */
export function corpusDir(fromCli?: string): string {
  return resolve(fromCli ?? process.env.WINNOW_CORPUS ?? join(REPO_DIR, '.corpus'));
}

function countEml(dir: string): number {
  let n = 0;
  for (const split of ['train', 'test'] as const) {
    for (const label of ['spam', 'ham'] as const) {
      const d = join(dir, split, label);
      if (existsSync(d)) n += readdirSync(d).filter((f) => f.endsWith('.eml')).length;
    }
  }
  return n;
}

/** Lays the corpus out in `dir` unless it is already there; returns the number of messages found. */
export function ensureCorpus(dir: string, log: (msg: string) => void = (m) => process.stderr.write(`${m}\n`)): number {
  let n = countEml(dir);
  if (n === 0) {
    if (!existsSync(GET_CORPUS_SCRIPT)) throw new Error(`no corpus in ${dir} and no ${GET_CORPUS_SCRIPT} to make one`);
    log(`laying out the corpus in ${dir} (slow the first time)…`);
    execFileSync('bash', [GET_CORPUS_SCRIPT, dir], { stdio: ['ignore', 'inherit', 'inherit'], timeout: GET_CORPUS_TIMEOUT_MS });
    n = countEml(dir);
  }
  if (n < FULL_CORPUS_FILES) log(`warning: ${dir} holds ${n} of ${FULL_CORPUS_FILES} messages (layout incomplete?)`);
  return n;
}

export interface LoadOptions {
  splits?: readonly Split[];
  labels?: readonly Label[];
  /** Keep this many, spread evenly over the sorted list so the spam/ham mix is kept. */
  limit?: number;
}

/** Messages in a stable order (split, label, file name), so every run and every system sees the same input. */
export function loadCorpus(dir: string, opts: LoadOptions = {}): CorpusMessage[] {
  const names: { name: string; split: Split; label: Label }[] = [];
  for (const split of opts.splits ?? (['train', 'test'] as const)) {
    for (const label of opts.labels ?? (['spam', 'ham'] as const)) {
      const d = join(dir, split, label);
      if (!existsSync(d)) continue;
      for (const f of readdirSync(d).filter((x) => x.endsWith('.eml')).sort()) names.push({ name: `${split}/${label}/${f}`, split, label });
    }
  }
  let picked = names;
  if (opts.limit !== undefined && opts.limit < names.length) {
    const stride = names.length / opts.limit;
    picked = Array.from({ length: opts.limit }, (_, i) => names[Math.floor(i * stride)]);
  }
  return picked.map((m) => ({ ...m, bytes: readFileSync(join(dir, m.name)) }));
}
