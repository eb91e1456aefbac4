// `winnow config check|dump`: validates a config file completely, or prints every resolved value and where it came from.

import { Command } from 'commander';
import { builtinChecks } from '../checks/index.ts';
import { dumpConfig, formatDump } from '../config/dump.ts';
import { configPath, loadConfigFile } from '../config/load.ts';
import { loadCliApp } from './load-app.ts';

export function configCommand(): Command {
  const cmd = new Command('config').description('validate or show the configuration');
  cmd
    .command('check')
    .description('validate the config file: schema, every check setup (rules, maps), composites and symbol overrides')
    .option('-c, --config <file>', 'YAML config file')
    .action(async (opts: { config?: string }) => {
      const app = await loadCliApp(opts.config);
      try {
        const unknown = app.engine.unknownOverrides;
        if (unknown.length) {
          process.stderr.write(unknown.map((s) => `symbols.${s}: names no known symbol (see 'winnow checks')`).join('\n') + '\n');
          process.exitCode = 1;
          return;
        }
        process.stdout.write(`${app.config.path ?? 'embedded defaults'}: OK (${app.engine.checks.length} checks, ${app.engine.symbols.all().length} symbols)\n`);
      } finally {
        await app.close();
      }
    });
  cmd
    .command('dump')
    .description('print every resolved setting with its source (file:line or default)')
    .option('-c, --config <file>', 'YAML config file')
    .option('-j, --json', 'print JSON rows {key, value, source}')
    .action((opts: { config?: string; json?: boolean }) => {
      const rows = dumpConfig(loadConfigFile(configPath(opts.config), builtinChecks));
      process.stdout.write((opts.json ? JSON.stringify(rows, null, 2) : formatDump(rows)) + '\n');
    });
  return cmd;
}
