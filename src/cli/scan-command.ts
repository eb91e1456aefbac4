// `winnow scan`: scans message files (or stdin) in-process through the same pipeline as the daemon; rspamc-like output.

import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { Command, InvalidArgumentError } from 'commander';
import { loadCliApp } from './load-app.ts';
import { formatScanResult } from './format-result.ts';
import type { ScanRequest } from '../core/types.ts';

interface ScanOptions {
  config?: string;
  json?: boolean;
  ip?: string;
  helo?: string;
  hostname?: string;
  from?: string;
  rcpt: string[];
  user?: string;
  settingsId?: string;
  passAll?: boolean;
  verbose?: boolean;
}

function ipAddress(value: string): string {
  if (isIP(value) === 0) throw new InvalidArgumentError(`'${value}' is not an IPv4 or IPv6 address`);
  return value;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function readInput(file: string): Promise<Uint8Array> {
  if (file !== '-') return readFile(file);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function scanCommand(): Command {
  return new Command('scan')
    .description('scan messages and print symbols, score and action (no daemon needed)')
    .argument('[files...]', "message files; '-' or none reads stdin")
    .option('-c, --config <file>', 'YAML config file')
    .option('-j, --json', 'print rspamd-style JSON, one object per file')
    .option('-i, --ip <addr>', 'client IP address', ipAddress)
    .option('--helo <name>', 'HELO/EHLO name')
    .option('--hostname <name>', 'client hostname (reverse DNS)')
    .option('-F, --from <addr>', 'SMTP MAIL FROM')
    .option('-r, --rcpt <addr>', 'SMTP RCPT TO (repeatable)', collect, [])
    .option('-u, --user <name>', 'authenticated SMTP user')
    .option('--settings-id <id>', 'named settings profile to apply')
    .option('-p, --pass-all', 'run every check (no early exit)')
    .option('-v, --verbose', 'log debug details to stderr')
    .action(async (files: string[], opts: ScanOptions) => {
      const app = await loadCliApp(opts.config, opts.verbose);
      try {
        for (const file of files.length ? files : ['-']) {
          let message: Uint8Array;
          try {
            message = await readInput(file);
          } catch (err) {
            process.stderr.write(`winnow scan: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}\n`);
            process.exitCode = 2;
            continue;
          }
          const request: ScanRequest = {
            message,
            clientIp: opts.ip,
            helo: opts.helo,
            hostname: opts.hostname,
            mailFrom: opts.from,
            rcptTo: opts.rcpt,
            user: opts.user,
            settingsId: opts.settingsId,
            passAll: opts.passAll,
          };
          const result = await app.scanner.scan(request);
          process.stdout.write(formatScanResult(file === '-' ? 'stdin' : file, result, opts.json ? 'json' : 'text') + '\n');
        }
      } finally {
        await app.close();
      }
    });
}
