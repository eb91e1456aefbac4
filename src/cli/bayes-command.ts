// `winnow bayes stats|prune|dump|load`: inspect, prune, back up and restore the classifier statistics in the configured store.

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Command, Option } from 'commander';
import { builtinChecks } from '../checks/index.ts';
import { BAYES_CHECK_NAME } from '../checks/bayes/index.ts';
import { bayesConfigSchema, pruneOptions, type BayesCheckConfig } from '../checks/bayes/config.ts';
import { parseDumpLine, type DumpRow } from '../classifier/dump-rows.ts';
import { pruneAll } from '../classifier/prune.ts';
import type { BayesModelName } from '../classifier/service-types.ts';
import { configPath, loadConfigFile } from '../config/load.ts';
import { openStore } from '../storage/open-store.ts';
import type { Store } from '../storage/store.ts';
import type { TokenDumpRow, TokenNamespace, WeightDumpRow } from '../storage/interfaces.ts';

const MODELS: readonly BayesModelName[] = ['logistic', 'robinson-fisher'];
/** Rows written per stdout write while dumping: large writes, bounded memory. */
const DUMP_BATCH_ROWS = 4096;

interface CommonOpts {
  config?: string;
  model?: BayesModelName;
  user?: string;
}

interface Opened {
  store: Store;
  bayes: BayesCheckConfig;
  dataDir: string;
}

async function open(opts: CommonOpts): Promise<Opened> {
  const config = loadConfigFile(configPath(opts.config), builtinChecks);
  // A disabled bayes check still has statistics worth managing; its block's defaults apply then.
  const bayes = (config.checks[BAYES_CHECK_NAME] as BayesCheckConfig | undefined) ?? bayesConfigSchema.parse({});
  const store = await openStore(config.file.store, { dataDir: config.dataDir });
  return { store, bayes, dataDir: config.dataDir };
}

async function withStore(opts: CommonOpts, fn: (o: Opened) => Promise<void>): Promise<void> {
  const o = await open(opts);
  try {
    await fn(o);
  } finally {
    await o.store.close();
  }
}

function nsOf(user: string | undefined): TokenNamespace {
  return user === undefined || user === '' ? {} : { user };
}

function nsLabel(name: string): string {
  return name === '' ? '(site-wide)' : name;
}

const modelOption = () => new Option('-m, --model <model>', 'which model (default: the configured one; stats: both)').choices(MODELS);
const userOption = () => new Option('-u, --user <user>', 'per-user namespace (default: site-wide)');
const configOption = () => new Option('-c, --config <file>', 'YAML config file');

interface StatsRow {
  model: BayesModelName;
  namespace: string;
  nspam: number;
  nham: number;
  used: number;
  max: number;
  signatures: number;
}

async function statsRows(store: Store, models: readonly BayesModelName[], user: string | undefined): Promise<StatsRow[]> {
  const rows: StatsRow[] = [];
  for (const model of models) {
    const names = user !== undefined ? [user] : await (model === 'logistic' ? store.weights.users() : store.tokens.users());
    for (const name of names.length > 0 ? names : ['']) {
      if (model === 'logistic') {
        const s = await store.weights.stats(nsOf(name));
        rows.push({ model, namespace: name, nspam: s.nspam, nham: s.nham, used: s.buckets, max: s.maxBuckets, signatures: s.signatures });
      } else {
        const s = await store.tokens.stats(nsOf(name));
        rows.push({ model, namespace: name, nspam: s.nspam, nham: s.nham, used: s.tokens, max: s.maxTokens, signatures: s.signatures });
      }
    }
  }
  return rows;
}

function statsCommand(): Command {
  return new Command('stats')
    .description('learned messages, tokens or weight buckets and signatures per model and namespace')
    .addOption(configOption())
    .addOption(modelOption())
    .addOption(userOption())
    .option('-j, --json', 'print JSON')
    .action(async (opts: CommonOpts & { json?: boolean }) => {
      await withStore(opts, async ({ store, bayes }) => {
        const rows = await statsRows(store, opts.model ? [opts.model] : MODELS, opts.user);
        if (opts.json) {
          process.stdout.write(JSON.stringify({ configured: bayes.model, rows }, null, 2) + '\n');
          return;
        }
        const out = [`${'model'.padEnd(17)} ${'namespace'.padEnd(28)} ${'spam'.padStart(8)} ${'ham'.padStart(8)} ${'used'.padStart(10)} ${'max'.padStart(10)} ${'signatures'.padStart(10)}`];
        for (const r of rows) {
          const name = `${r.model}${r.model === bayes.model ? '*' : ''}`;
          out.push(
            `${name.padEnd(17)} ${nsLabel(r.namespace).padEnd(28)} ${String(r.nspam).padStart(8)} ${String(r.nham).padStart(8)} ${String(r.used).padStart(10)} ${String(r.max).padStart(10)} ${String(r.signatures).padStart(10)}`,
          );
        }
        out.push('* the model the scanner uses; used = tokens (robinson-fisher) or non-zero weight buckets (logistic)');
        process.stdout.write(out.join('\n') + '\n');
      });
    });
}

function numberOpt(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`expected a non-negative number, got ${v}`);
  return n;
}

function pruneCommand(): Command {
  return new Command('prune')
    .description('drop rare stale tokens, small stale weights and old signatures (defaults: checks.bayes.prune, then the store\'s)')
    .addOption(configOption())
    .addOption(modelOption())
    .addOption(userOption())
    .option('--stale-days <n>', 'entries not updated for more than n days are candidates', numberOpt)
    .option('--rare-max <n>', 'robinson-fisher: a stale token seen at most n times goes', numberOpt)
    .option('--min-abs-weight <x>', 'logistic: a stale bucket with |weight| at most x goes', numberOpt)
    .option('--signature-max-age-days <n>', 'forget learned-message signatures older than n days', numberOpt)
    .action(
      async (opts: CommonOpts & { staleDays?: number; rareMax?: number; minAbsWeight?: number; signatureMaxAgeDays?: number }) => {
        await withStore(opts, async ({ store, bayes }) => {
          const base = pruneOptions(bayes.prune);
          const r = await pruneAll(store, {
            staleDays: opts.staleDays ?? base.staleDays,
            rareMax: opts.rareMax ?? base.rareMax,
            minAbsWeight: opts.minAbsWeight ?? base.minAbsWeight,
            signatureMaxAgeDays: opts.signatureMaxAgeDays ?? base.signatureMaxAgeDays,
            user: opts.user,
            model: opts.model,
          });
          process.stdout.write(
            `robinson-fisher: ${r.tokens.tokensRemoved} tokens, ${r.tokens.signaturesRemoved} signatures removed\n` +
              `logistic: ${r.weights.tokensRemoved} weight buckets, ${r.weights.signaturesRemoved} signatures removed\n`,
          );
        });
      },
    );
}

async function writeOut(text: string): Promise<void> {
  if (!process.stdout.write(text)) await new Promise<void>((resolve) => process.stdout.once('drain', () => resolve()));
}

function dumpCommand(): Command {
  return new Command('dump')
    .description('write one namespace of one model as JSON lines to stdout (totals, then entries, then signatures)')
    .addOption(configOption())
    .addOption(modelOption())
    .addOption(userOption())
    .action(async (opts: CommonOpts) => {
      await withStore(opts, async ({ store, bayes }) => {
        const model = opts.model ?? bayes.model;
        const rows: AsyncIterable<TokenDumpRow | WeightDumpRow> = model === 'logistic' ? store.weights.dump(nsOf(opts.user)) : store.tokens.dump(nsOf(opts.user));
        let batch: string[] = [];
        for await (const row of rows) {
          batch.push(JSON.stringify(row));
          if (batch.length >= DUMP_BATCH_ROWS) {
            await writeOut(batch.join('\n') + '\n');
            batch = [];
          }
        }
        if (batch.length > 0) await writeOut(batch.join('\n') + '\n');
      });
    });
}

async function* readRows(model: BayesModelName, file: string | undefined): AsyncIterable<DumpRow> {
  const input = file === undefined || file === '-' ? process.stdin : createReadStream(file);
  let lineNo = 0;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    lineNo++;
    if (line.trim() === '') continue;
    yield parseDumpLine(model, line, lineNo);
  }
}

function loadCommand(): Command {
  return new Command('load')
    .description('read JSON lines written by `winnow bayes dump` (from FILE or stdin) into one namespace; rows overwrite what they name')
    .argument('[file]', 'dump file; - or none reads stdin')
    .addOption(configOption())
    .addOption(modelOption())
    .addOption(userOption())
    .action(async (file: string | undefined, opts: CommonOpts) => {
      await withStore(opts, async ({ store, bayes }) => {
        const model = opts.model ?? bayes.model;
        const ns = nsOf(opts.user);
        const n =
          model === 'logistic'
            ? await store.weights.load(readRows(model, file) as AsyncIterable<WeightDumpRow>, ns)
            : await store.tokens.load(readRows(model, file) as AsyncIterable<TokenDumpRow>, ns);
        process.stdout.write(`loaded ${n} rows into ${model} ${nsLabel(opts.user ?? '')}\n`);
      });
    });
}

export function bayesCommand(): Command {
  return new Command('bayes')
    .description('manage the Bayesian classifier statistics: stats, prune, dump, load')
    .addCommand(statsCommand())
    .addCommand(pruneCommand())
    .addCommand(dumpCommand())
    .addCommand(loadCommand());
}
