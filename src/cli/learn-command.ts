// `winnow learn --spam PATH... --ham PATH...`: trains the Bayes classifier from files, Maildir, mbox and MH folders in crash-safe committed batches, with a progress bar on a terminal, a summary, and `--remove-after` to empty the training folders once their learns are committed.

import { Command, InvalidArgumentError } from 'commander';
import type { BayesLearnOutcome } from '../classifier/service-types.ts';
import { isWinnowError } from '../errors.ts';
import { countMessages, readMessages, type MailboxMessage, type MailboxReader } from '../mailbox/index.ts';
import { parseMessage } from '../mime/parse.ts';
import type { TokenClass } from '../storage/interfaces.ts';
import { openBayesRuntime, withStoreLabel, type BayesRuntime } from './bayes-runtime.ts';
import { EXIT_ERROR } from './bogosity.ts';
import { errorText } from './cli-output.ts';
import { ProgressBar, formatDuration, formatRate } from './progress.ts';
import { readAhead } from './read-ahead.ts';
import { ShuffleBuffer } from './shuffle-buffer.ts';

interface LearnOptions {
  config?: string;
  spam?: string[];
  ham?: string[];
  removeAfter?: boolean;
  allowEmpty?: boolean;
  user?: string;
  batch?: number;
}

interface SourceTally {
  learned: number;
  already: number;
  relearned: number;
  tooFewTokens: number;
  damaged: number;
  removed: number;
  ms: number;
}

interface Source {
  cls: TokenClass;
  path: string;
  /** Counted before learning starts (for the progress bar and the read proportions). */
  total: number;
  /** Messages read into the shuffle buffer / learned. */
  read: number;
  done: number;
  /** Read to its end (or its mailbox failed). */
  exhausted: boolean;
  reader: MailboxReader;
  iter?: AsyncIterator<MailboxMessage>;
  tally: SourceTally;
  /** Why the source stopped early; nothing of it is removed then. */
  error?: string;
  finished: boolean;
}

function emptyTally(): SourceTally {
  return { learned: 0, already: 0, relearned: 0, tooFewTokens: 0, damaged: 0, removed: 0, ms: 0 };
}

function count(t: SourceTally, outcome: BayesLearnOutcome): void {
  if (outcome === 'learned') t.learned++;
  else if (outcome === 'already') t.already++;
  else if (outcome === 'relearned') t.relearned++;
  else if (outcome === 'too-few-tokens') t.tooFewTokens++;
}

/** `spam /path: 120 learned, 3 already, 0 relearned, 1 too few tokens, 0 damaged; removed 124 (0:02)` */
function summaryLine(cls: TokenClass, path: string, t: SourceTally, removeAfter: boolean, note?: string): string {
  const parts = `${t.learned} learned, ${t.already} already, ${t.relearned} relearned, ${t.tooFewTokens} too few tokens, ${t.damaged} damaged`;
  const removed = removeAfter ? `; removed ${t.removed}` : '';
  return `${cls.padEnd(4)} ${path}: ${parts}${removed} (${formatDuration(t.ms)})${note ? ` — ${note}` : ''}`;
}

function say(text: string): void {
  process.stderr.write(`winnow learn: ${text}\n`);
}

/** Counts every source first, so a missing or empty folder is an error before anything is learned. */
async function prepare(opts: LearnOptions): Promise<Source[] | undefined> {
  const sources: Source[] = [];
  let ok = true;
  for (const [cls, paths] of [['spam', opts.spam], ['ham', opts.ham]] as const) {
    for (const path of paths ?? []) {
      try {
        const total = await countMessages(path);
        if (total === 0 && !opts.allowEmpty) {
          say(`${path} holds no messages (ERR_MAILBOX_EMPTY); nothing was learned (--allow-empty skips empty folders)`);
          ok = false;
          continue;
        }
        if (total === 0) {
          process.stdout.write(`${cls.padEnd(4)} ${path}: empty, skipped\n`);
          continue;
        }
        const tally = emptyTally();
        const reader = readMessages(path, {
          onDamage: (d) => {
            tally.damaged++;
            say(`damaged input (left on disk): ${d.message}`);
          },
        });
        const source: Source = { cls, path, total, read: 0, done: 0, exhausted: false, tally, finished: false, reader };
        sources.push(source);
      } catch (err) {
        say(`${errorText(err)}; nothing was learned`);
        ok = false;
      }
    }
  }
  return ok ? sources : undefined;
}

/** The source read least in proportion to its size, so every folder feeds the shuffle buffer at its share. */
function nextSource(reading: Source[]): Source {
  let best = reading[0];
  for (const s of reading) if (s.read / s.total < best.read / best.total) best = s;
  return best;
}

/** Called once a source is read to its end and all it yielded is learned: only now may --remove-after touch it. */
async function finish(source: Source, opts: LearnOptions): Promise<boolean> {
  source.finished = true;
  if (!opts.removeAfter || source.error) return source.error === undefined;
  try {
    source.tally.removed = (await source.reader.removeAllRead()).removed;
    return true;
  } catch (err) {
    source.error = `learned, but not removed: ${errorText(err)}`;
    return false;
  }
}

/** Reads one message of `s` into the buffer; false when `s` has no more (ended, or its mailbox failed). */
async function readOne(s: Source, buffer: ShuffleBuffer<{ s: Source; msg: MailboxMessage }>): Promise<boolean> {
  // Read-ahead is safe for --remove-after: a source is emptied only once every message it yielded is learned.
  s.iter ??= readAhead(s.reader)[Symbol.asyncIterator]();
  try {
    const step = await s.iter.next();
    if (step.done) return false;
    buffer.push({ s, msg: step.value }, step.value.bytes.byteLength);
    s.read++;
    return true;
  } catch (err) {
    if (!isWinnowError(err) || !err.code.startsWith('ERR_MAILBOX_')) throw err;
    // The mailbox went away or became unreadable: what it taught is kept, nothing of it is removed.
    s.error = errorText(err);
    return false;
  }
}

/** Learns per commit unless --batch says otherwise; a kill loses at most this many (re-running learns them). */
export const DEFAULT_LEARN_BATCH = 1000;
/** A batch is committed after this long even when it is not full (slow sources, huge messages). */
export const LEARN_BATCH_MAX_MS = 1000;

/**
 * Reads every source through a shuffle buffer and learns in the buffer's order: the online (logistic)
 * model must not see one folder after another. Learns are committed in batches (each learn still sees every
 * learn before it); a source is finished (and emptied with --remove-after) when it is read to its end and
 * the batch holding its last message is committed.
 */
async function learnAll(runtime: BayesRuntime, sources: Source[], opts: LearnOptions): Promise<{ ok: boolean; fatal?: string }> {
  const bar = new ProgressBar();
  const total = sources.reduce((n, s) => n + s.total, 0);
  const buffer = new ShuffleBuffer<{ s: Source; msg: MailboxMessage }>();
  const reading = [...sources];
  const batchSize = opts.batch ?? DEFAULT_LEARN_BATCH;
  let done = 0;
  let ok = true;
  const settle = async (s: Source) => {
    if (!s.exhausted || s.done < s.read || s.finished) return;
    if (!(await finish(s, opts))) ok = false;
  };
  try {
    const session = await runtime.service.learnSession({ user: opts.user, expectedMessages: total });
    /** The source of each queued learn, in queue order. */
    let queued: Source[] = [];
    let batchStarted = 0;
    const commit = async () => {
      const t0 = performance.now();
      const outcomes = await session.commit();
      const share = (performance.now() - t0) / Math.max(1, queued.length);
      const batch = queued;
      queued = [];
      outcomes.forEach((o, i) => {
        count(batch[i].tally, o);
        batch[i].done++;
        batch[i].tally.ms += share;
      });
      for (const s of new Set(batch)) await settle(s);
    };
    for (;;) {
      while (reading.length > 0 && !buffer.full) {
        const s = nextSource(reading);
        const t0 = performance.now();
        if (!(await readOne(s, buffer))) {
          reading.splice(reading.indexOf(s), 1);
          s.exhausted = true;
          await settle(s);
        }
        s.tally.ms += performance.now() - t0;
      }
      const next = buffer.take();
      if (!next) break;
      const { s, msg } = next;
      const t0 = performance.now();
      const message = await parseMessage(msg.bytes, runtime.limits);
      if ((await session.add(message, s.cls)) === 'queued') {
        if (queued.length === 0) batchStarted = t0;
        queued.push(s);
      } else {
        count(s.tally, 'too-few-tokens');
        s.done++;
        await settle(s);
      }
      s.tally.ms += performance.now() - t0;
      done++;
      if (queued.length >= batchSize || (queued.length > 0 && performance.now() - batchStarted >= LEARN_BATCH_MAX_MS)) await commit();
      bar.update(done, Math.max(total, done), `${s.cls} ${s.path}`);
    }
    await commit();
    return { ok: ok && sources.every((s) => s.error === undefined) };
  } catch (err) {
    return { ok: false, fatal: errorText(withStoreLabel(err, runtime.config)) };
  } finally {
    bar.clear();
  }
}

async function runLearn(opts: LearnOptions): Promise<number> {
  if (!opts.spam?.length && !opts.ham?.length) {
    say('give at least one --spam or --ham path');
    return EXIT_ERROR;
  }
  const sources = await prepare(opts);
  if (!sources) return EXIT_ERROR;
  if (sources.length === 0) return 0;
  let runtime: BayesRuntime;
  try {
    runtime = await openBayesRuntime(opts.config);
  } catch (err) {
    say(`${errorText(err)}; nothing was learned`);
    return EXIT_ERROR;
  }
  const started = performance.now();
  try {
    const r = await learnAll(runtime, sources, opts);
    const lines: string[] = [];
    for (const s of sources) {
      const note = s.error ?? (!s.finished ? (opts.removeAfter ? 'stopped early; nothing removed' : 'stopped early') : undefined);
      lines.push(summaryLine(s.cls, s.path, s.tally, opts.removeAfter === true, note));
    }
    const n = sources.reduce((a, s) => a + s.done, 0);
    const ms = performance.now() - started;
    lines.push(`total: ${n} messages in ${formatDuration(ms)} (${formatRate(n, ms)} msg/s)`);
    if (!r.fatal) {
      const t = await runtime.service.totals({ user: opts.user });
      const min = runtime.bayesConfig.min_learns;
      const active = t.nspam >= min && t.nham >= min ? 'active' : `not active yet: needs ${min} of each`;
      lines.push(`${runtime.service.model} statistics: ${t.nspam} spam, ${t.nham} ham learned (${active})`);
    }
    process.stdout.write(lines.join('\n') + '\n');
    if (r.fatal) {
      say(`stopped: ${r.fatal}; learns committed before the failure are kept; unfinished folders were not emptied`);
      return EXIT_ERROR;
    }
    for (const s of sources) if (s.error) say(`${s.path}: ${s.error}`);
    return r.ok ? 0 : EXIT_ERROR;
  } finally {
    await runtime.close().catch(() => undefined);
  }
}

function batchCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of messages, at least 1');
  return n;
}

export function learnCommand(): Command {
  return new Command('learn')
    .description('train the Bayesian classifier from message files, Maildir, mbox and MH folders')
    .option('-s, --spam <paths...>', 'learn every message of these paths as spam')
    .option('-n, --ham <paths...>', 'learn every message of these paths as ham')
    .option('-c, --config <file>', 'YAML config file')
    .option('--remove-after', 'empty each folder (or mbox) once all its messages are learned and committed')
    .option('--allow-empty', 'skip empty folders instead of failing (for cron jobs)')
    .option('--user <name>', 'per-user statistics namespace (when checks.bayes.per_user is on)')
    .option(
      '--batch <n>',
      `messages per commit (default ${DEFAULT_LEARN_BATCH}; a batch is also committed after ${LEARN_BATCH_MAX_MS / 1000} s); 1 commits every message`,
      batchCount,
    )
    .addHelpText(
      'after',
      '\nCrash safety: learns are committed in batches, each in one store transaction. A killed learn loses at most\n' +
        'the batch not yet committed and never leaves half a message counted; running the same command again learns\n' +
        'exactly the messages that were lost (the others are recognised by their signature and skipped as already\n' +
        'learned). --remove-after removes a folder only after the batch holding its last message is committed.\n' +
        '\nExit status: 0 when everything was learned (and removed with --remove-after), 3 otherwise.\n' +
        'Daily training (cron): winnow learn --spam ~/Maildir/.classify-spam --ham ~/Maildir/.classify-ham --remove-after --allow-empty\n',
    )
    .action(async (opts: LearnOptions) => {
      process.exitCode = await runLearn(opts);
    });
}
