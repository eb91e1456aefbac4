// `winnow bayes import-bogofilter FILE|-`: migrates a bogofilter wordlist (`bogoutil -d wordlist.db` text) into the Robinson-Fisher token counts of the configured store.

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Command } from 'commander';
import { BogofilterImport, parseBogoutilLine } from '../classifier/import/bogoutil.ts';
import { configPath, loadConfigFile } from '../config/load.ts';
import { builtinChecks } from '../checks/index.ts';
import { openStore } from '../storage/open-store.ts';
import type { TokenCounts, TokenNamespace } from '../storage/interfaces.ts';
import type { Store } from '../storage/store.ts';
import { bayesConfigOf } from './bayes-runtime.ts';
import { EXIT_ERROR } from './bogosity.ts';
import { errorText } from './cli-output.ts';

/** Tokens looked up per store call when merging into a namespace that already has statistics. */
const MERGE_LOOKUP_BATCH = 2000;

interface ImportOptions {
  config?: string;
  user?: string;
  merge?: boolean;
}

async function readDump(file: string | undefined): Promise<BogofilterImport> {
  const input = file === undefined || file === '-' ? process.stdin : createReadStream(file);
  const imp = new BogofilterImport();
  let lineNo = 0;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    const parsed = parseBogoutilLine(line, ++lineNo);
    if (parsed) imp.add(parsed);
  }
  return imp;
}

async function existingCounts(store: Store, tokens: string[], ns: TokenNamespace): Promise<Map<string, TokenCounts>> {
  const out = new Map<string, TokenCounts>();
  for (let i = 0; i < tokens.length; i += MERGE_LOOKUP_BATCH) {
    const batch = tokens.slice(i, i + MERGE_LOOKUP_BATCH);
    const found = await store.tokens.get(batch, ns);
    batch.forEach((t, j) => {
      const c = found.counts[j];
      if (c.spam > 0 || c.ham > 0) out.set(t, c);
    });
  }
  return out;
}

async function runImport(file: string | undefined, opts: ImportOptions): Promise<number> {
  const config = loadConfigFile(configPath(opts.config), builtinChecks);
  const bayes = bayesConfigOf(config);
  const imp = await readDump(file);
  const ns: TokenNamespace = opts.user ? { user: opts.user } : {};
  const label = opts.user ? `user ${opts.user}` : 'site-wide';
  const store = await openStore(config.file.store, { dataDir: config.dataDir });
  try {
    const current = await store.tokens.stats(ns);
    const hasData = current.nspam + current.nham + current.tokens > 0;
    if (hasData && !opts.merge) {
      process.stderr.write(
        `winnow bayes import-bogofilter: the ${label} robinson-fisher statistics already hold ${current.nspam} spam / ${current.nham} ham ` +
          `and ${current.tokens} tokens; nothing imported. Add --merge to add the bogofilter counts to them.\n`,
      );
      return EXIT_ERROR;
    }
    const base = hasData
      ? { nspam: current.nspam, nham: current.nham, counts: await existingCounts(store, imp.tokenNames(), ns) }
      : undefined;
    await store.tokens.load(imp.rows(base), ns);
    const s = imp.summary();
    const lines = [
      `imported ${s.tokens} tokens from ${s.lines} lines (${s.mapped} mapped, ${s.dropped} without a winnow equivalent) ` +
        `and ${s.nspam} spam / ${s.nham} ham messages into the ${label} robinson-fisher statistics${hasData ? ' (merged)' : ''}`,
    ];
    if (bayes.model !== 'robinson-fisher') {
      lines.push(
        `note: the configured model is ${bayes.model}, which learns weights, not counts, and cannot use these statistics. ` +
          'Set checks.bayes.model: robinson-fisher to classify with them, or retrain with `winnow learn --spam ... --ham ...`.',
      );
    }
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  } finally {
    await store.close();
  }
}

export function importBogofilterCommand(): Command {
  return new Command('import-bogofilter')
    .description('import a bogofilter wordlist dump (`bogoutil -d wordlist.db`) into the robinson-fisher statistics')
    .argument('[file]', "the dump; '-' or none reads stdin")
    .option('-c, --config <file>', 'YAML config file')
    .option('-u, --user <user>', 'per-user namespace (default: site-wide)')
    .option('--merge', 'add to statistics the namespace already holds (default: refuse a non-empty namespace)')
    .addHelpText('after', '\nExample: bogoutil -d ~/.bogofilter/wordlist.db | winnow bayes import-bogofilter -\n')
    .action(async (file: string | undefined, opts: ImportOptions) => {
      try {
        process.exitCode = await runImport(file, opts);
      } catch (err) {
        process.stderr.write(`winnow bayes import-bogofilter: ${errorText(err)}\n`);
        process.exitCode = EXIT_ERROR;
      }
    });
}
