// `winnow whitelist spf DOMAIN...`: resolves big senders' SPF records to the networks they authorise and writes them as a white list source (the seed's whitelist.sh).

import { isAbsolute, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { builtinChecks } from '../checks/index.ts';
import { sourcesConfigOf } from '../checks/spamd/list-schedule.ts';
import { spfWhitelistPath } from '../checks/spamd/sources-config.ts';
import { writeSpfWhitelist } from '../checks/spamd/spf-whitelist.ts';
import { configPath, loadConfigFile } from '../config/load.ts';
import { dnsConfigSchema, isServerAddress } from '../dns/config.ts';
import { createResolver } from '../dns/resolver.ts';
import { WinnowError } from '../errors.ts';
import { createLogger } from '../log/logger.ts';
import { normalizeDomain } from '../maps/matchers.ts';
import { usageExitCode } from './cli-output.ts';

const EXIT_USAGE = 2;
/** A domain gave no network at all (no SPF record, or DNS failed with nothing to keep). */
const EXIT_EMPTY = 1;
const DEFAULT_OUTPUT = 'spf-whitelist.txt';

interface SpfOptions {
  config?: string;
  output?: string;
  dns?: string;
  json?: boolean;
}

function dnsServer(value: string): string {
  if (!isServerAddress(value)) throw new InvalidArgumentError(`'${value}' is not IP, IPv4:port or [IPv6]:port`);
  return value;
}

function usage(message: string): never {
  process.exitCode = EXIT_USAGE;
  throw new WinnowError('ERR_INVALID_ARGUMENT', message);
}

function spfCommand(): Command {
  return new Command('spf')
    .description('resolve SPF records (include, redirect, a, mx, ip4, ip6, recursively) to networks and write them as a whitelist source file')
    .argument('[domains...]', 'sender domains (default: checks.spamd.spf_whitelist.domains)')
    .addOption(new Option('-c, --config <file>', 'YAML config file'))
    .option('-o, --output <file>', `file to write (default: checks.spamd.spf_whitelist.output, else <data_dir>/${DEFAULT_OUTPUT})`)
    .option('--dns <server>', 'DNS server to ask (IP, IPv4:port or [IPv6]:port); default: the config\'s dns servers', dnsServer)
    .option('-j, --json', 'print the per-domain reports as JSON')
    .addHelpText(
      'after',
      `
The file has one network per line tagged with its domain ("192.0.2.0/24 # example.com"). Used as a white
source (checks.spamd.sources, type white, or checks.spamd.spf_whitelist, which refreshes it on a schedule),
those senders skip greylisting: big senders retry from other addresses and would wait for hours.
Only pass terms count; ptr, exists and macros that depend on the client cannot be listed and are reported.
A domain whose DNS failed keeps its networks from the previous file. Exit status: 0 written, 1 some domain
gave no network, 2 bad usage.`,
    )
    .exitOverride(usageExitCode(EXIT_USAGE))
    .action(async (args: string[], opts: SpfOptions) => {
      const config = loadConfigFile(configPath(opts.config), builtinChecks);
      const spf = sourcesConfigOf(config)?.spf_whitelist;
      const domains = args.length ? args : (spf?.domains ?? []);
      if (domains.length === 0) usage('give at least one DOMAIN (or set checks.spamd.spf_whitelist.domains)');
      for (const d of domains) if (normalizeDomain(d) === undefined || !d.includes('.')) usage(`'${d}' is not a domain name`);
      const output = opts.output
        ? isAbsolute(opts.output) ? opts.output : resolve(opts.output)
        : spf ? spfWhitelistPath(spf, config.dataDir) : resolve(config.dataDir, DEFAULT_OUTPUT);
      const dns = createResolver(opts.dns ? dnsConfigSchema.parse({ ...config.file.dns, servers: [opts.dns] }) : config.file.dns);
      try {
        const log = createLogger('error', { role: 'cli' });
        const reports = await writeSpfWhitelist({ domains, dns, path: output, log });
        if (opts.json) process.stdout.write(`${JSON.stringify({ output, domains: reports }, null, 2)}\n`);
        else {
          const lines = reports.flatMap((r) => [
            `${r.domain}: ${r.networks} network(s)${r.kept ? ' (kept from the previous file: DNS failed)' : ''}`,
            ...r.problems.map((p) => `  ${p}`),
          ]);
          process.stdout.write(`${lines.join('\n')}\nwritten to ${output}\n`);
        }
        if (reports.some((r) => r.networks === 0)) process.exitCode = EXIT_EMPTY;
      } finally {
        dns.close();
      }
    });
}

export function whitelistCommand(): Command {
  const cmd = new Command('whitelist').description('whitelist sources for the SMTP front').addCommand(spfCommand());
  cmd.exitOverride(usageExitCode(EXIT_USAGE));
  return cmd;
}
