// The `winnow` command line: one program, subcommands in their own files, `--help` on every level.

import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/load.ts';
import { version } from '../version.ts';
import { bayesCommand } from './bayes-command.ts';
import { blacklistCommand } from './blacklist-command.ts';
import { importBogofilterCommand } from './bogoutil-import.ts';
import { checksCommand } from './checks-command.ts';
import { classifyCommand } from './classify-command.ts';
import { configCommand } from './config-command.ts';
import { dbCommand } from './db-command.ts';
import { greylistCommand } from './greylist-command.ts';
import { learnCommand } from './learn-command.ts';
import { pwCommand } from './pw-command.ts';
import { scanCommand } from './scan-command.ts';
import { serveCommand } from './serve-command.ts';
import { spfCommand } from './spf-command.ts';
import { whitelistCommand } from './whitelist-command.ts';

export function buildProgram(): Command {
  const program = new Command('winnow')
    .description('Anti-spam for mail servers: scanner (rspamd-compatible HTTP), milter, policy server, SMTP front and Bayesian classifier')
    .version(version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false });
  program.addCommand(serveCommand());
  program.addCommand(scanCommand());
  program.addCommand(checksCommand());
  program.addCommand(configCommand());
  program.addCommand(pwCommand());
  program.addCommand(bayesCommand().addCommand(importBogofilterCommand()));
  program.addCommand(classifyCommand());
  program.addCommand(learnCommand());
  program.addCommand(spfCommand());
  program.addCommand(greylistCommand());
  program.addCommand(dbCommand());
  program.addCommand(blacklistCommand());
  program.addCommand(whitelistCommand());
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`winnow: invalid configuration (${err.code}):\n${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    process.stderr.write(`winnow: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = process.exitCode || 1;
  }
}

if (import.meta.main) await main(process.argv);
