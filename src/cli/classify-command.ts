// `winnow classify`: bogofilter-compatible Bayesian verdicts for procmail/maildrop/sieve — one message on stdin (exit code, or passthrough with an X-Bogosity header), or bulk over files, Maildir, mbox and MH folders.

import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import type { BayesBulkClassifier, BayesService, BayesVerdict } from '../classifier/service-types.ts';
import { isWinnowError } from '../errors.ts';
import { countMessages, detectSource, readMessages } from '../mailbox/index.ts';
import type { MimeLimits } from '../mime/model.ts';
import { parseMessage } from '../mime/parse.ts';
import { version } from '../version.ts';
import { openBayesRuntime, withStoreLabel, type BayesRuntime } from './bayes-runtime.ts';
import {
  DEFAULT_SPAM_HEADER_NAME,
  EXIT_ERROR,
  bogosityValue,
  exitCodeFor,
  insertHeader,
  isFieldName,
  terseValue,
} from './bogosity.ts';
import { errorText, usageExitCode, writeOut } from './cli-output.ts';
import { readAhead } from './read-ahead.ts';

interface ClassifyOptions {
  config?: string;
  passthrough?: boolean;
  embed?: boolean;
  update?: boolean;
  bulk?: boolean;
  input?: string;
  terse?: boolean;
  verbose?: boolean;
  spamHeaderName: string;
  user?: string;
}

/** Bulk output lines are collected and written in blocks of about this size (one write per line is slow on a pipe). */
const BULK_WRITE_BYTES = 64 * 1024;

function headerName(value: string): string {
  if (!isFieldName(value)) throw new InvalidArgumentError(`'${value}' is not a header field name`);
  return value;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function fail(text: string): void {
  process.stderr.write(`winnow classify: ${text}\n`);
}

/**
 * Classifies one message and, with -u, learns it as its own verdict (bogofilter leaves unsure messages alone).
 * `classifier` is the service itself or, for bulk runs without -u, its bulk classifier.
 */
async function verdictOf(
  service: BayesService,
  classifier: BayesBulkClassifier,
  bytes: Uint8Array,
  limits: MimeLimits,
  opts: ClassifyOptions,
): Promise<BayesVerdict> {
  const message = await parseMessage(bytes, limits);
  const verdict = await classifier.classify(message, { user: opts.user });
  if (opts.update && verdict.verdict !== 'unsure') await service.learn(message, verdict.verdict, { user: opts.user, mode: 'auto' });
  return verdict;
}

function verdictLine(v: BayesVerdict, opts: ClassifyOptions): string {
  return opts.terse ? terseValue(v.verdict, v.probability) : `${opts.spamHeaderName}: ${bogosityValue(v.verdict, v.probability, version)}`;
}

/** One message: never loses it — with -p the original bytes go out even when classification fails (exit 3). */
async function classifyOne(opts: ClassifyOptions): Promise<number> {
  let bytes: Buffer;
  try {
    bytes = opts.input !== undefined && opts.input !== '-' ? await readFile(opts.input) : await readStdin();
  } catch (err) {
    fail(`cannot read the message from ${opts.input ?? 'stdin'}: ${(err as NodeJS.ErrnoException).code ?? errorText(err)}`);
    return EXIT_ERROR;
  }
  let runtime: BayesRuntime | undefined;
  let verdict: BayesVerdict;
  try {
    runtime = await openBayesRuntime(opts.config);
    verdict = await verdictOf(runtime.service, runtime.service, bytes, runtime.limits, opts);
  } catch (err) {
    fail(`no verdict: ${errorText(runtime ? withStoreLabel(err, runtime.config) : err)}`);
    if (opts.passthrough) await writeOut(bytes);
    return EXIT_ERROR;
  } finally {
    await runtime?.close().catch(() => undefined);
  }
  if (opts.verbose && !verdict.active) fail(`classifier not active (${verdict.reason ?? 'unknown reason'}); the verdict is Unsure`);
  if (opts.passthrough) await writeOut(insertHeader(bytes, opts.spamHeaderName, bogosityValue(verdict.verdict, verdict.probability, version)));
  else if (opts.verbose || opts.terse) await writeOut(verdictLine(verdict, opts) + '\n');
  return opts.embed ? 0 : exitCodeFor(verdict.verdict);
}

/** Messages in the paths that can be counted without reading them (files and folders; not mbox): a lower bound. */
async function countCheaply(paths: string[]): Promise<number> {
  let n = 0;
  for (const path of paths) {
    try {
      if ((await detectSource(path)).kind !== 'mbox') n += await countMessages(path);
    } catch {
      // Unreadable or missing: the bulk loop reports it.
    }
  }
  return n;
}

/**
 * Bulk: one line per message (`<source> X-Bogosity: ...`, as `bogofilter -v -B`); exit 0, or 3 if a path could
 * not be read or the store failed. Damage inside a mailbox (a half-written mbox) is reported on stderr only.
 */
async function classifyBulk(paths: string[], opts: ClassifyOptions): Promise<number> {
  if (paths.length === 0) {
    fail('-B needs at least one file, Maildir, mbox or MH folder');
    return EXIT_ERROR;
  }
  let runtime: BayesRuntime;
  try {
    runtime = await openBayesRuntime(opts.config);
  } catch (err) {
    fail(errorText(err));
    return EXIT_ERROR;
  }
  // With -u every verdict is learned at once, so each message must see the store as it is then: no snapshot.
  const classifier = opts.update ? runtime.service : runtime.service.bulkClassifier({ expectedMessages: await countCheaply(paths) });
  let status = 0;
  let warnedInactive = false;
  let out = '';
  try {
    for (const path of paths) {
      const reader = readMessages(path, { onDamage: (d) => fail(`damaged input: ${d.message}`) });
      try {
        for await (const msg of readAhead(reader)) {
          const v = await verdictOf(runtime.service, classifier, msg.bytes, runtime.limits, opts);
          if (!v.active && !warnedInactive && v.reason && !v.reason.startsWith('message has')) {
            fail(`classifier not active (${v.reason}); every verdict is Unsure until it has learned enough`);
            warnedInactive = true;
          }
          out += `${msg.source} ${verdictLine(v, opts)}\n`;
          if (out.length >= BULK_WRITE_BYTES) {
            await writeOut(out);
            out = '';
          }
        }
      } catch (err) {
        // A missing, empty or unreadable mailbox spoils only itself; a store failure ends the run.
        if (!isWinnowError(err) || !err.code.startsWith('ERR_MAILBOX_')) throw err;
        fail(errorText(err));
        status = EXIT_ERROR;
      }
    }
  } catch (err) {
    fail(`stopped: ${errorText(withStoreLabel(err, runtime.config))}`);
    status = EXIT_ERROR;
  } finally {
    if (out) await writeOut(out);
    await runtime.close().catch(() => undefined);
  }
  return status;
}

export function classifyCommand(): Command {
  return new Command('classify')
    .description('bogofilter-style Bayesian verdict: one message on stdin (exit 0 spam, 1 ham, 2 unsure, 3 error), or -B over mailboxes')
    .argument('[paths...]', 'with -B: message files, Maildir, mbox and MH folders')
    .option('-c, --config <file>', 'YAML config file')
    .option('-p, --passthrough', 'write the message to stdout with the verdict header added (on an error: unchanged, exit 3)')
    .option('-e, --embed', 'exit 0 whenever a verdict was reached (spam, ham or unsure); 3 on an error')
    .option('-u, --update', 'learn the message as its own verdict (spam or ham; unsure is not learned)')
    .option('-B, --bulk', 'classify every message of the paths given; one line per message')
    .option('-I, --input <file>', "read the message from a file instead of stdin ('-' = stdin)")
    .option('-T, --terse', "print the verdict as 'S|H|U spamicity' (bulk: after the message's name)")
    .option('-v, --verbose', 'print the verdict line on stdout, and why the classifier is not active yet on stderr')
    .option('--spam-header-name <name>', 'name of the verdict header', headerName, DEFAULT_SPAM_HEADER_NAME)
    .option('--user <name>', 'per-user statistics namespace (when checks.bayes.per_user is on)')
    .addHelpText(
      'after',
      '\nprocmail:\n  :0fw\n  | winnow classify -p -e\n  :0e\n  { EXITCODE=75 HOST }\n  :0:\n  * ^X-Bogosity: Spam, tests=winnow\n  spam\n',
    )
    .exitOverride(usageExitCode(EXIT_ERROR))
    .action(async (paths: string[], opts: ClassifyOptions) => {
      if (!opts.bulk && paths.length > 0) {
        fail(`unexpected argument '${paths[0]}': the message comes on stdin (or -I FILE); use -B for files and folders`);
        process.exitCode = EXIT_ERROR;
        return;
      }
      process.exitCode = opts.bulk ? await classifyBulk(paths, opts) : await classifyOne(opts);
    });
}
