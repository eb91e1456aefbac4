// `winnow spf`: evaluates SPF (RFC 7208) for one client IP, HELO and sender, and prints the result word first, then the details.

import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { checkSpf, DEFAULT_SPF_BUDGET_MS, type SpfOutcome } from '../checks/spf/evaluate.ts';
import { receivedSpf } from '../checks/spf/headers.ts';
import { dnsConfigSchema, isServerAddress } from '../dns/config.ts';
import { CachingResolver } from '../dns/resolver.ts';

/** Usage errors exit with 2, so scripts can tell them from a computed result (always 0). */
const EXIT_USAGE = 2;

interface SpfOptions {
  ip: string;
  helo: string;
  sender: string;
  dns?: string;
  receiver: string;
  timeoutMs: number;
  json?: boolean;
}

function ipAddress(value: string): string {
  if (isIP(value) === 0) throw new InvalidArgumentError(`'${value}' is not an IPv4 or IPv6 address`);
  return value;
}

function dnsServer(value: string): string {
  if (!isServerAddress(value)) throw new InvalidArgumentError(`'${value}' is not IP, IPv4:port or [IPv6]:port`);
  return value;
}

function milliseconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`'${value}' is not a positive whole number of milliseconds`);
  return n;
}

/** Result word on the first line; then `key: value` lines for whatever the evaluation produced. */
export function formatSpfText(o: SpfOutcome, header: string): string {
  const lines = [o.result, `identity: ${o.identity} ${o.sender}`, `domain: ${o.domain}`];
  if (o.mechanism !== undefined) lines.push(`mechanism: ${o.mechanism}`);
  if (o.explanation !== undefined) lines.push(`explanation: ${o.explanation}`);
  if (o.problem !== undefined) lines.push(`problem: ${o.problem}`);
  lines.push(`lookups: ${o.lookups} (void: ${o.voidLookups})`, `Received-SPF: ${header}`);
  return lines.join('\n');
}

export function spfCommand(): Command {
  return new Command('spf')
    .description('evaluate SPF for a client; prints the result (pass, fail, softfail, neutral, none, permerror, temperror) first; exit 0 on any result, 2 on usage errors')
    .requiredOption('--ip <addr>', 'client IP address', ipAddress)
    .requiredOption('--sender <addr>', "MAIL FROM address; '' for the null sender (then postmaster@HELO is checked)")
    .option('--helo <name>', 'HELO/EHLO name', '')
    .option('--dns <server>', 'DNS server to ask (IP, IPv4:port or [IPv6]:port); default: the system resolvers', dnsServer)
    .option('--receiver <name>', 'this host name, for %{r} and Received-SPF', hostname())
    .option('--timeout-ms <ms>', 'DNS time budget for the whole evaluation', milliseconds, DEFAULT_SPF_BUDGET_MS)
    .option('-j, --json', 'print the outcome as JSON')
    .exitOverride((err) => {
      throw err.exitCode === 0 ? err : new CommanderError(EXIT_USAGE, err.code, err.message);
    })
    .action(async (opts: SpfOptions) => {
      const dns = new CachingResolver(dnsConfigSchema.parse(opts.dns ? { servers: [opts.dns] } : {}));
      try {
        const outcome = await checkSpf({ ip: opts.ip, sender: opts.sender, helo: opts.helo }, { dns, receiver: opts.receiver, budgetMs: opts.timeoutMs });
        const header = receivedSpf(outcome, { ip: opts.ip, helo: opts.helo, mailFrom: opts.sender, receiver: opts.receiver });
        const out = opts.json ? JSON.stringify({ ...outcome, receivedSpf: header }) : formatSpfText(outcome, header);
        process.stdout.write(`${out}\n`);
      } finally {
        dns.close();
      }
    });
}
