// Command-line Bayes benchmark: `winnow learn` on the corpus train half and `winnow classify -B` on the test half (plus single-message classify start-up), against `bogofilter -s/-n -B`, `bogofilter -v -B` and `bogofilter -e -I` on the same files, in the same run, pinned to one core.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { corpusDir, ensureCorpus, type Label, type Split } from '../lib/corpus.ts';
import { makeTempDir } from '../lib/processes.ts';
import { formatTable } from '../lib/table.ts';
import { WINNOW_CLI } from '../lib/winnow.ts';

/** Files per bogofilter call, so its argument list stays far below the kernel's limit. */
const FILES_PER_CALL = 1000;
const MODELS = ['logistic', 'robinson-fisher'] as const;
type Model = (typeof MODELS)[number];

const USAGE = `usage: node bench/classify/run.ts [options]
  --corpus DIR      corpus root with {train,test}/{spam,ham}/*.eml (default $WINNOW_CORPUS or <repo>/.corpus)
  --model M         logistic, robinson-fisher or both (default both)
  --skip-bogofilter measure winnow only
  --no-pin          do not pin to one core with taskset
  --learn-batch N   winnow learn --batch N (default: winnow's own default)
  --single N        also time N single-message classify runs (procmail use; default 5, 0 = skip)
  --check           exit 1 when a speed target is missed`;

interface Row {
  system: string;
  learnMs: number;
  learned: number;
  classifyMs: number;
  classified: number;
  /** Median wall time of one single-message classify (process start included), when measured. */
  singleMs?: number;
  fp: number;
  fn: number;
  unsure: number;
}

const { values: args } = parseArgs({
  options: {
    corpus: { type: 'string' },
    model: { type: 'string', default: 'both' },
    'skip-bogofilter': { type: 'boolean', default: false },
    'no-pin': { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    'learn-batch': { type: 'string' },
    single: { type: 'string', default: '5' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write(USAGE + '\n');
  process.exit(0);
}
const models: readonly Model[] = args.model === 'both' ? MODELS : MODELS.filter((m) => m === args.model);
if (models.length === 0) throw new Error(`--model must be logistic, robinson-fisher or both, not ${args.model}`);

const root = corpusDir(args.corpus);
ensureCorpus(root);
const folder = (split: Split, label: Label) => join(root, split, label);
const files = (split: Split, label: Label) => readdirSync(folder(split, label)).filter((f) => f.endsWith('.eml')).sort().map((f) => join(folder(split, label), f));
const pin = !args['no-pin'] && spawnSync('taskset', ['-c', '0', 'true']).status === 0;

/** Runs a command (pinned to core 0 when possible), fails loudly on an unexpected exit, returns stdout and wall time. */
function timed(cmd: string, argv: string[], okExit: (code: number) => boolean = (c) => c === 0): { out: string; ms: number } {
  const [file, rest] = pin ? ['taskset', ['-c', '0', cmd, ...argv]] : [cmd, argv];
  const t0 = performance.now();
  const r = spawnSync(file, rest, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const ms = performance.now() - t0;
  if (r.status === null || !okExit(r.status)) throw new Error(`${cmd} ${argv.slice(0, 4).join(' ')} … exited ${r.status}: ${r.stderr || r.error}`);
  return { out: r.stdout, ms };
}

/** Counts misfiled and unsure messages from `<path> <verdict word>` lines; the label comes from the path. */
function score(lines: string[], verdictOf: (line: string) => string | undefined): Pick<Row, 'fp' | 'fn' | 'unsure' | 'classified'> {
  let fp = 0;
  let fn = 0;
  let unsure = 0;
  let classified = 0;
  for (const line of lines) {
    const v = verdictOf(line);
    if (!v) continue;
    classified++;
    const isSpam = line.includes(`${join('test', 'spam')}/`);
    if (v === 'unsure') unsure++;
    else if (v === 'spam' && !isSpam) fp++;
    else if (v === 'ham' && isSpam) fn++;
  }
  return { fp, fn, unsure, classified };
}

const WORDS: Record<string, string> = { Spam: 'spam', Ham: 'ham', Unsure: 'unsure', S: 'spam', H: 'ham', U: 'unsure' };
const trainCount = files('train', 'spam').length + files('train', 'ham').length;

const singleRuns = Number(args.single);
const learnBatch = args['learn-batch'] === undefined ? [] : ['--batch', args['learn-batch']];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function runWinnow(model: Model): Row {
  const dir = makeTempDir(`winnow-bench-classify-${model}-`);
  const config = join(dir, 'winnow.yaml');
  writeFileSync(config, `data_dir: ${JSON.stringify(join(dir, 'data'))}\nchecks:\n  bayes:\n    model: ${model}\n`);
  const learn = timed(process.execPath, [WINNOW_CLI, 'learn', '-c', config, ...learnBatch, '--spam', folder('train', 'spam'), '--ham', folder('train', 'ham')]);
  const classify = timed(process.execPath, [WINNOW_CLI, 'classify', '-c', config, '-T', '-B', folder('test', 'spam'), folder('test', 'ham')]);
  const s = score(classify.out.split('\n'), (l) => WORDS[/ ([SHU]) \d\.\d+$/.exec(l)?.[1] ?? '']);
  // One message as procmail hands it over: process start, config, store open, one classification.
  const one = files('test', 'spam')[0];
  const single = Array.from({ length: singleRuns }, () => timed(process.execPath, [WINNOW_CLI, 'classify', '-c', config, '-e', '-I', one]).ms);
  return { system: `winnow (${model})`, learnMs: learn.ms, learned: trainCount, classifyMs: classify.ms, ...s, singleMs: single.length ? median(single) : undefined };
}

function chunks<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

function runBogofilter(): Row | undefined {
  const version = spawnSync('bogofilter', ['-V'], { encoding: 'utf8' });
  if (version.error) return undefined;
  const dir = makeTempDir('winnow-bench-bogofilter-');
  const db = join(dir, 'db');
  mkdirSync(db);
  let learnMs = 0;
  for (const [flag, label] of [['-s', 'spam'], ['-n', 'ham']] as const) {
    for (const c of chunks(files('train', label), FILES_PER_CALL)) learnMs += timed('bogofilter', ['-d', db, flag, '-B', ...c]).ms;
  }
  let classifyMs = 0;
  const lines: string[] = [];
  // -v prints one `path X-Bogosity: ...` line per message, the same work winnow's -B output does.
  for (const c of chunks([...files('test', 'spam'), ...files('test', 'ham')], FILES_PER_CALL)) {
    const r = timed('bogofilter', ['-d', db, '-v', '-B', ...c], (code) => code < 3);
    classifyMs += r.ms;
    lines.push(...r.out.split('\n'));
  }
  const s = score(lines, (l) => WORDS[/ X-Bogosity: (\w+),/.exec(l)?.[1] ?? '']);
  const one = files('test', 'spam')[0];
  const single = Array.from({ length: singleRuns }, () => timed('bogofilter', ['-d', db, '-e', '-I', one]).ms);
  return { system: 'bogofilter', learnMs, learned: trainCount, classifyMs, ...s, singleMs: single.length ? median(single) : undefined };
}

const rows: Row[] = models.map(runWinnow);
const bogo = args['skip-bogofilter'] ? undefined : runBogofilter();
if (bogo) rows.push(bogo);

const perSec = (n: number, ms: number) => (ms > 0 ? (n * 1000) / ms : 0);
process.stdout.write(
  `corpus ${root}: learn ${trainCount} (train half), classify the test half; ${pin ? 'pinned to core 0 (taskset -c 0)' : 'not pinned'}; wall times include process start\n\n`,
);
process.stdout.write(
  formatTable(
    ['system', 'learn s', 'learn msg/s', 'classify s', 'classify msg/s', 'one msg ms', 'classified', 'FP', 'FN', 'unsure'],
    rows.map((r) => [
      r.system,
      (r.learnMs / 1000).toFixed(2),
      perSec(r.learned, r.learnMs).toFixed(0),
      (r.classifyMs / 1000).toFixed(2),
      perSec(r.classified, r.classifyMs).toFixed(0),
      r.singleMs === undefined ? '-' : r.singleMs.toFixed(0),
      String(r.classified),
      String(r.fp),
      String(r.fn),
      String(r.unsure),
    ]),
  ) + '\n',
);

let missed = false;
if (bogo) {
  process.stdout.write('\ntargets: classify msg/s ≥ bogofilter -B; learn time ≤ bogofilter\n');
  for (const r of rows.filter((x) => x !== bogo)) {
    const classifyRatio = perSec(r.classified, r.classifyMs) / perSec(bogo.classified, bogo.classifyMs);
    const learnRatio = r.learnMs / bogo.learnMs;
    const ok = classifyRatio >= 1 && learnRatio <= 1;
    missed ||= !ok;
    process.stdout.write(
      `${r.system}: classify ${classifyRatio.toFixed(2)}× bogofilter's msg/s, learn ${learnRatio.toFixed(1)}× bogofilter's time — ${ok ? 'met' : 'MISSED'}\n`,
    );
  }
}
if (args.check && missed) process.exitCode = 1;
