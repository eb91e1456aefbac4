// `winnow checks`: lists checks in execution order per phase, with their symbols, weights, groups and descriptions.

import { Command } from 'commander';
import { formatMarkdown, formatText, listChecks } from './checks-listing.ts';
import { loadCliApp } from './load-app.ts';

export function checksCommand(): Command {
  return new Command('checks')
    .description('list checks in execution order with their symbols, weights and groups')
    .option('-c, --config <file>', 'YAML config file')
    .option('-j, --json', 'print JSON')
    .option('--markdown', 'print the Markdown reference page (docs/checks.md)')
    .action(async (opts: { config?: string; json?: boolean; markdown?: boolean }) => {
      const app = await loadCliApp(opts.config);
      try {
        const listing = listChecks(app.engine, app.scanner.scheduler, app.config.disabledChecks);
        const text = opts.json ? JSON.stringify(listing, null, 2) : opts.markdown ? formatMarkdown(listing) : formatText(listing);
        process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      } finally {
        await app.close();
      }
    });
}
