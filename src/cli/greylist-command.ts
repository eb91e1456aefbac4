// `winnow greylist list|add|delete|whitelist`: inspect and edit greylist triplets and the client whitelist in the configured store.

import { isIP } from 'node:net';
import { Command, InvalidArgumentError, Option } from 'commander';
import { builtinChecks } from '../checks/index.ts';
import { greylistConfigSchema, toMs, type GreylistConfig } from '../checks/greylist/config.ts';
import { GREYLIST_CHECK_NAME } from '../checks/greylist/index.ts';
import { AWL_KEY_PREFIX, clientNet, normalizeRecipient, normalizeSender, tripletKey } from '../checks/greylist/key.ts';
import { configPath, loadConfigFile } from '../config/load.ts';
import { WinnowError } from '../errors.ts';
import type { GreylistEntry, GreylistStore, WhitelistEntry } from '../storage/interfaces.ts';
import { openStore } from '../storage/open-store.ts';
import { withStoreLabel } from './bayes-runtime.ts';
import { usageExitCode } from './cli-output.ts';

/** Usage errors exit 2; "no such entry" exits 1, like grep finding nothing. */
const EXIT_USAGE = 2;
const EXIT_NOT_FOUND = 1;
/** Entries fetched per store call while listing: bounded memory per page, few round trips. */
const LIST_PAGE = 1000;
const DAY_MS = 86_400_000;
/** Reason stored on entries added by hand; the check refreshes only entries it auto-whitelisted itself. */
const MANUAL_REASON = 'manual';

interface Common {
  config?: string;
}

interface Opened {
  gl: GreylistStore;
  cfg: GreylistConfig;
  close(): Promise<void>;
}

async function open(opts: Common): Promise<Opened> {
  const config = loadConfigFile(configPath(opts.config), builtinChecks);
  // A disabled check still has entries worth managing; its block's defaults apply then.
  const cfg = (config.checks[GREYLIST_CHECK_NAME] as GreylistConfig | undefined) ?? greylistConfigSchema.parse({});
  const store = await openStore(config.file.store, { dataDir: config.dataDir }).catch((err: unknown) => {
    throw withStoreLabel(err, config);
  });
  return { gl: store.greylist, cfg, close: () => store.close() };
}

async function withGreylist(opts: Common, fn: (o: Opened) => Promise<void>): Promise<void> {
  const o = await open(opts);
  try {
    await fn(o);
  } finally {
    await o.close();
  }
}

const configOption = () => new Option('-c, --config <file>', 'YAML config file');

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function usage(message: string): never {
  process.exitCode = EXIT_USAGE; // main() prints the message and keeps this code
  throw new WinnowError('ERR_INVALID_ARGUMENT', message);
}

/** The client network an IP belongs to under the configured prefixes; `what` names the argument in errors. */
function netOf(ip: string, cfg: GreylistConfig, what: string): string {
  const net = clientNet(ip, { ipv4: cfg.ipv4_prefix, ipv6: cfg.ipv6_prefix });
  if (net === undefined) usage(`${what}: '${ip}' is not an IPv4 or IPv6 address`);
  return net;
}

interface KeyOpts extends Common {
  ip?: string;
  sender?: string;
  rcpt?: string;
}

/** KEY as given, or the key the check would compute from --ip, --sender and --rcpt. */
function keyFrom(key: string | undefined, opts: KeyOpts, cfg: GreylistConfig): string {
  const parts = [opts.ip, opts.sender, opts.rcpt];
  if (key !== undefined) {
    if (parts.some((p) => p !== undefined)) usage('give either KEY or --ip/--sender/--rcpt, not both');
    return key;
  }
  if (opts.ip === undefined || opts.sender === undefined || opts.rcpt === undefined) usage('give KEY, or all of --ip, --sender and --rcpt');
  const sender = cfg.normalize_sender ? normalizeSender(opts.sender) : opts.sender.toLowerCase();
  return tripletKey(netOf(opts.ip, cfg, '--ip'), sender, normalizeRecipient(opts.rcpt));
}

async function allEntries<T>(list: (req: { offset: number; limit: number; now: number }) => Promise<{ items: T[] }>, now: number): Promise<T[]> {
  const out: T[] = [];
  for (let offset = 0; ; offset += LIST_PAGE) {
    const page = await list({ offset, limit: LIST_PAGE, now });
    out.push(...page.items);
    if (page.items.length < LIST_PAGE) return out;
  }
}

function stateOf(e: GreylistEntry, cfg: GreylistConfig): 'passed' | 'waiting' {
  return e.passCount > 0 || e.lastSeen - e.firstSeen >= toMs(cfg.delay_s) ? 'passed' : 'waiting';
}

function listCommand(): Command {
  return new Command('list')
    .description('live triplets (client network/sender/recipient) with first/last seen, passes and expiry; --all adds the auto-whitelist counters')
    .addOption(configOption())
    .option('-j, --json', 'print JSON')
    .option('-a, --all', 'include auto-whitelist counters (keys awl:<network>)')
    .action(async (opts: Common & { json?: boolean; all?: boolean }) => {
      await withGreylist(opts, async ({ gl, cfg }) => {
        const now = Date.now();
        const entries = (await allEntries((r) => gl.list(r), now)).filter((e) => opts.all || !e.key.startsWith(AWL_KEY_PREFIX));
        if (opts.json) {
          const rows = entries.map((e) => ({ ...e, state: e.key.startsWith(AWL_KEY_PREFIX) ? 'counter' : stateOf(e, cfg) }));
          process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          return;
        }
        const lines = entries.map((e) =>
          [e.key, e.key.startsWith(AWL_KEY_PREFIX) ? 'counter' : stateOf(e, cfg), iso(e.firstSeen), iso(e.lastSeen), String(e.passCount), iso(e.expiresAt)].join('\t'),
        );
        process.stdout.write([['key', 'state', 'first_seen', 'last_seen', 'passes', 'expires'].join('\t'), ...lines].join('\n') + '\n');
      });
    });
}

function tripletOptions(cmd: Command): Command {
  return cmd
    .option('--ip <addr>', 'client IP (masked to the configured network)')
    .option('--sender <addr>', "envelope sender (normalised as the check does; '' for <>)")
    .option('--rcpt <addr>', 'recipient');
}

function addCommand(): Command {
  return tripletOptions(
    new Command('add')
      .description('record a triplet as already passed, so its mail is not delayed (for max_age_s after it was last seen)')
      .argument('[key]', 'triplet key as `greylist list` shows it')
      .addOption(configOption()),
  ).action(async (key: string | undefined, opts: KeyOpts) => {
    await withGreylist(opts, async ({ gl, cfg }) => {
      const k = keyFrom(key, opts, cfg);
      const now = Date.now();
      const ttl = toMs(cfg.max_age_s);
      // The first sighting creates the entry, a second with no delay counts the pass.
      const s = await gl.seen(k, now, ttl, 0);
      if (s.created) await gl.seen(k, now, ttl, 0);
      process.stdout.write(`added ${k}\n`);
    });
  });
}

function deleteCommand(): Command {
  return tripletOptions(
    new Command('delete')
      .description('forget a triplet: its next message is greylisted again; exit 1 when there was no such entry')
      .argument('[key]', 'triplet key as `greylist list` shows it')
      .addOption(configOption()),
  ).action(async (key: string | undefined, opts: KeyOpts) => {
    await withGreylist(opts, async ({ gl, cfg }) => {
      const k = keyFrom(key, opts, cfg);
      if (await gl.delete(k)) process.stdout.write(`deleted ${k}\n`);
      else {
        process.stderr.write(`winnow: no greylist entry ${k}\n`);
        process.exitCode = EXIT_NOT_FOUND;
      }
    });
  });
}

/** An IP becomes its client network (what the check looks up); anything else is a key used as given. */
function whitelistKey(arg: string, cfg: GreylistConfig): string {
  return isIP(arg) !== 0 ? netOf(arg, cfg, 'address') : arg;
}

function formatWhitelist(entries: WhitelistEntry[]): string {
  return [['key', 'expires', 'reason'].join('\t'), ...entries.map((e) => [e.key, iso(e.expiresAt), e.reason].join('\t'))].join('\n') + '\n';
}

function positiveDays(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number of days, got ${v}`);
  return n;
}

function whitelistCommand(): Command {
  const wl = new Command('whitelist').description('client networks that skip greylisting: auto-whitelisted ones and ones added by hand');
  wl.addCommand(
    new Command('list')
      .description('live whitelist entries with expiry and reason')
      .addOption(configOption())
      .option('-j, --json', 'print JSON')
      .action(async (opts: Common & { json?: boolean }) => {
        await withGreylist(opts, async ({ gl }) => {
          const entries = await allEntries((r) => gl.whitelist.list(r), Date.now());
          process.stdout.write(opts.json ? `${JSON.stringify(entries, null, 2)}\n` : formatWhitelist(entries));
        });
      }),
  );
  wl.addCommand(
    new Command('add')
      .description('whitelist a client: an IP is stored as its network (/24 or /64 by default); other text is stored as given')
      .argument('<ip-or-key>')
      .addOption(configOption())
      .option('--days <n>', 'days until it expires (default: max_age_s)', positiveDays)
      .option('--reason <text>', 'note kept with the entry', MANUAL_REASON)
      .action(async (arg: string, opts: Common & { days?: number; reason: string }) => {
        await withGreylist(opts, async ({ gl, cfg }) => {
          const key = whitelistKey(arg, cfg);
          const expiresAt = Date.now() + (opts.days !== undefined ? opts.days * DAY_MS : toMs(cfg.max_age_s));
          await gl.whitelist.add(key, expiresAt, opts.reason);
          process.stdout.write(`whitelisted ${key} until ${iso(expiresAt)}\n`);
        });
      }),
  );
  wl.addCommand(
    new Command('delete')
      .description('remove a whitelist entry (an IP means its network); exit 1 when there was none')
      .argument('<ip-or-key>')
      .addOption(configOption())
      .action(async (arg: string, opts: Common) => {
        await withGreylist(opts, async ({ gl, cfg }) => {
          const key = whitelistKey(arg, cfg);
          if (await gl.whitelist.remove(key)) process.stdout.write(`deleted ${key}\n`);
          else {
            process.stderr.write(`winnow: no whitelist entry ${key}\n`);
            process.exitCode = EXIT_NOT_FOUND;
          }
        });
      }),
  );
  return wl;
}

export function greylistCommand(): Command {
  const cmd = new Command('greylist')
    .description('inspect and edit greylisting state (triplets and whitelisted clients) in the configured store')
    .addCommand(listCommand())
    .addCommand(addCommand())
    .addCommand(deleteCommand())
    .addCommand(whitelistCommand());
  const exitOverride = usageExitCode(EXIT_USAGE);
  const apply = (c: Command): void => {
    c.exitOverride(exitOverride);
    c.commands.forEach(apply);
  };
  apply(cmd);
  return cmd;
}
