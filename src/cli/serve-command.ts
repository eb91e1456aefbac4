// `winnow serve`: runs the daemon (primary + one worker per core) until SIGTERM; SIGHUP reloads.

import { Command, InvalidArgumentError } from 'commander';
import { runPrimary } from '../daemon/primary.ts';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a whole number of at least 1, got '${value}'`);
  return n;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('run the daemon: HTTP scan API (rspamd-compatible) and controller, on loopback by default')
    .option('-c, --config <file>', 'YAML config file (default: $WINNOW_CONFIG, then /etc/winnow/winnow.yaml, else embedded defaults)')
    .option('-w, --workers <n>', 'worker processes (default: config `workers`, auto = one per core)', positiveInt)
    .addHelpText('after', '\nSignals: SIGTERM/SIGINT finish in-flight scans and stop; SIGHUP reloads the config without dropping connections.')
    .action(async (opts: { config?: string; workers?: number }) => {
      await runPrimary({ configPath: opts.config, workers: opts.workers });
    });
}
