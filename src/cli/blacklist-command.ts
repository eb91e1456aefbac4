// `winnow blacklist update`: spamd-setup(8) once — fetch every `checks.spamd.sources` list, keep a failed one's previous list, write the cache the daemon's workers load.

import { Command, Option } from 'commander';
import { builtinChecks } from '../checks/index.ts';
import { describeReport, sourcesConfigOf } from '../checks/spamd/list-schedule.ts';
import { listsCachePath } from '../checks/spamd/source-lists.ts';
import { effectiveSources, parseSourcesConfig } from '../checks/spamd/sources-config.ts';
import { updateLists } from '../checks/spamd/sources.ts';
import { configPath, loadConfigFile } from '../config/load.ts';
import { createLogger } from '../log/logger.ts';
import { usageExitCode } from './cli-output.ts';

const EXIT_USAGE = 2;
/** Some source failed (its previous list, if any, was kept and the cache still written). */
const EXIT_SOURCE_FAILED = 1;

interface UpdateOptions {
  config?: string;
  json?: boolean;
  verbose?: boolean;
}

function updateCommand(): Command {
  return new Command('update')
    .description('fetch every list source now and write the lists the daemon uses; prints networks per source; exit 1 when a source failed (its previous list is kept)')
    .addOption(new Option('-c, --config <file>', 'YAML config file'))
    .option('-j, --json', 'print the per-source reports as JSON')
    .option('-v, --verbose', 'log each source on stderr as it is fetched')
    .addHelpText(
      'after',
      `
Sources are configured under checks.spamd.sources, in order (spamd.conf's "all"):
  - { name: nixspam, type: black, message: "Listed at nixspam: %A", source: https://www.nixspam.net/download/nixspam-ip.dump.gz }
  - { name: partners, type: white, source: /etc/winnow/partners.txt }
  - { name: local, type: black, source: "exec:/usr/local/bin/make-list" }
A white source removes its addresses from the black sources before it (counted as "after the white sources").
The result goes to <data_dir>/spamd-lists.json; a running daemon's workers reload it when it changes.`,
    )
    .exitOverride(usageExitCode(EXIT_USAGE))
    .action(async (opts: UpdateOptions) => {
      const config = loadConfigFile(configPath(opts.config), builtinChecks);
      // A disabled spamd check's sources can still be fetched (before switching it on).
      const cfg = sourcesConfigOf(config) ?? parseSourcesConfig(config.file.checks.spamd);
      const sources = effectiveSources(cfg, config.dataDir);
      const cachePath = listsCachePath(config.dataDir);
      if (sources.length === 0) {
        process.stderr.write('winnow: no list sources configured (checks.spamd.sources)\n');
        process.exitCode = EXIT_USAGE;
        return;
      }
      const log = createLogger(opts.verbose ? 'info' : 'error', { role: 'cli' });
      const reports = await updateLists({ sources, cachePath, configDir: config.dir, timeoutMs: cfg.source_timeout, log });
      if (opts.json) process.stdout.write(`${JSON.stringify({ cache: cachePath, sources: reports }, null, 2)}\n`);
      else process.stdout.write(`${reports.map(describeReport).join('\n')}\nwritten to ${cachePath}\n`);
      if (reports.some((r) => !r.ok)) process.exitCode = EXIT_SOURCE_FAILED;
    });
}

export function blacklistCommand(): Command {
  const cmd = new Command('blacklist')
    .description('the SMTP front\'s black and white list sources (spamd-setup)')
    .addCommand(updateCommand());
  cmd.exitOverride(usageExitCode(EXIT_USAGE));
  return cmd;
}
