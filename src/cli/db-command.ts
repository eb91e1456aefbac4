// `winnow db`: OpenBSD spamdb(8) for the SMTP front's database in the configured store — list entries in spamdb's format, add and delete WHITE, TRAPPED and SPAMTRAP entries, delete GREY tuples.

import { Command, Option } from 'commander';
import { builtinChecks } from '../checks/index.ts';
import { spamdConfigSchema, type SpamdConfig } from '../checks/spamd/config.ts';
import { SPAMD_CHECK_NAME } from '../checks/spamd/index.ts';
import { configPath, loadConfigFile } from '../config/load.ts';
import { WinnowError } from '../errors.ts';
import { normalizeIp } from '../net/ip-address.ts';
import { openStore } from '../storage/open-store.ts';
import type { SpamdEntry, SpamdStore } from '../storage/spamd-interfaces.ts';
import { withStoreLabel } from './bayes-runtime.ts';
import { usageExitCode } from './cli-output.ts';

/** Usage errors (and bad keys) exit 2 with nothing written; a key with no entry exits 1, like grep finding nothing. */
const EXIT_USAGE = 2;
const EXIT_NOT_FOUND = 1;
/** Entries fetched per store call while listing. */
const LIST_PAGE = 1000;
const MS_PER_S = 1000;

interface DbOptions {
  config?: string;
  add?: boolean;
  delete?: boolean;
  trapped?: boolean;
  spamtrap?: boolean;
  grey?: boolean;
  json?: boolean;
}

type Target = 'white' | 'trapped' | 'spamtrap' | 'grey';

function usage(message: string): never {
  process.exitCode = EXIT_USAGE; // main() prints the message and keeps this code
  throw new WinnowError('ERR_INVALID_ARGUMENT', message);
}

const secs = (ms: number) => String(Math.floor(ms / MS_PER_S));

/** spamdb's listing line (PROTOCOLS §7.4): times in Unix seconds. */
export function spamdbLine(e: SpamdEntry): string {
  switch (e.kind) {
    case 'white':
      return ['WHITE', e.ip, '', '', secs(e.firstSeen), secs(e.passAt), secs(e.expiresAt), e.blocked, e.passed].join('|');
    case 'grey':
      return ['GREY', e.ip, e.helo, e.from, e.to, secs(e.firstSeen), secs(e.passAt), secs(e.expiresAt), e.blocked, e.passed].join('|');
    case 'trapped':
      return ['TRAPPED', e.ip, secs(e.expiresAt)].join('|');
    case 'spamtrap':
      return ['SPAMTRAP', e.address].join('|');
  }
}

/** Which kind of entry the flags name (spamdb: WHITE unless -t, -T or -G). */
function targetOf(opts: DbOptions): Target {
  const picked = [opts.trapped && 't', opts.spamtrap && 'T', opts.grey && 'G'].filter(Boolean);
  if (picked.length > 1) usage(`-${picked.join(', -')} exclude each other`);
  if (opts.add && opts.delete) usage('-a and -d exclude each other');
  if (opts.grey && opts.add) usage('GREY entries cannot be added (-G works with -d only)');
  return opts.trapped ? 'trapped' : opts.spamtrap ? 'spamtrap' : opts.grey ? 'grey' : 'white';
}

/** Every key checked before anything is written: an IP (canonical form) for WHITE/TRAPPED/GREY, an address with @ for SPAMTRAP. */
function validKeys(keys: string[], target: Target): string[] {
  return keys.map((k) => {
    if (target === 'spamtrap') {
      if (!k.includes('@') || /\s/.test(k)) usage(`'${k}' is not a spamtrap address: it must contain @`);
      return k.toLowerCase();
    }
    const ip = normalizeIp(k);
    if (ip === undefined) usage(`'${k}' is not an IPv4 or IPv6 address`);
    return ip;
  });
}

async function allEntries(db: SpamdStore, now: number, kind?: SpamdEntry['kind']): Promise<SpamdEntry[]> {
  const out: SpamdEntry[] = [];
  for (let offset = 0; ; offset += LIST_PAGE) {
    const page = await db.list({ kind, offset, limit: LIST_PAGE, now });
    out.push(...page.items);
    if (page.items.length < LIST_PAGE) return out;
  }
}

/** The entries `winnow db KEY` shows: an IP's WHITE, GREY and TRAPPED entries, an address's SPAMTRAP entry. */
function matches(e: SpamdEntry, key: string): boolean {
  if (e.kind === 'spamtrap') return e.address === key.toLowerCase();
  return e.ip === (normalizeIp(key) ?? key);
}

function print(entries: SpamdEntry[], json: boolean | undefined): void {
  if (json) process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
  else if (entries.length) process.stdout.write(`${entries.map(spamdbLine).join('\n')}\n`);
}

async function addEntries(db: SpamdStore, target: Target, keys: string[], cfg: SpamdConfig, now: number): Promise<SpamdEntry[]> {
  const out: SpamdEntry[] = [];
  for (const k of keys) {
    if (target === 'white') out.push({ kind: 'white', ...(await db.addWhite(k, now, cfg.white_exp)) });
    else if (target === 'trapped') {
      await db.trap(k, now, cfg.trap_exp);
      out.push({ kind: 'trapped', ip: k, expiresAt: now + cfg.trap_exp });
    } else {
      await db.addSpamtrap(k);
      out.push({ kind: 'spamtrap', address: k });
    }
  }
  return out;
}

const LABEL: Record<Target, string> = { white: 'WHITE', trapped: 'TRAPPED', spamtrap: 'SPAMTRAP', grey: 'GREY' };

async function run(keys: string[], opts: DbOptions): Promise<void> {
  const target = targetOf(opts);
  const writing = opts.add || opts.delete;
  if (writing && keys.length === 0) usage(`-${opts.add ? 'a' : 'd'} needs at least one key`);
  const checked = writing ? validKeys(keys, target) : keys;
  const config = loadConfigFile(configPath(opts.config), builtinChecks);
  // A disabled check still has a database worth managing; its block's defaults apply then.
  const cfg = (config.checks[SPAMD_CHECK_NAME] as SpamdConfig | undefined) ?? spamdConfigSchema.parse({});
  const store = await openStore(config.file.store, { dataDir: config.dataDir }).catch((err: unknown) => {
    throw withStoreLabel(err, config);
  });
  try {
    const db = store.spamd;
    const now = Date.now();
    if (opts.add) return print(await addEntries(db, target, checked, cfg, now), opts.json);
    if (opts.delete) {
      for (const k of checked) {
        const n = await db.delete(target, k);
        if (n > 0) process.stdout.write(`deleted ${n} ${LABEL[target]} ${n === 1 ? 'entry' : 'entries'} for ${k}\n`);
        else {
          process.stderr.write(`winnow: no ${LABEL[target]} entry for ${k}\n`);
          process.exitCode = EXIT_NOT_FOUND;
        }
      }
      return;
    }
    const kind = opts.trapped || opts.spamtrap || opts.grey ? target : undefined;
    const entries = await allEntries(db, now, kind);
    if (keys.length === 0) return print(entries, opts.json);
    const shown = entries.filter((e) => keys.some((k) => matches(e, k)));
    print(shown, opts.json);
    for (const k of keys) {
      if (!shown.some((e) => matches(e, k))) {
        process.stderr.write(`winnow: no entry for ${k}\n`);
        process.exitCode = EXIT_NOT_FOUND;
      }
    }
  } finally {
    await store.close();
  }
}

const HELP = `
Listing (no -a/-d): one line per live entry, times in Unix seconds, as spamdb prints them:
  WHITE|ip|||first|pass|expire|blocked|passed      a client that passed greylisting (or added with -a)
  GREY|ip|helo|from|to|first|pass|expire|blocked|passed
                                                   a greylisted tuple; 'pass' is when a retry passes
  TRAPPED|ip|expire                                a client caught by a greytrap: tarpitted until expire
  SPAMTRAP|address                                 a trap address: mail to it traps the client
KEYs alone show those entries: an IP shows its WHITE, GREY and TRAPPED entries, an address its SPAMTRAP.
-t, -T or -G alone list only that kind.

Examples:
  winnow db                          list everything
  winnow db -a 192.0.2.7             whitelist a client (or renew it: passed+1, new expiry)
  winnow db -t -a 198.51.100.9       trap a client for trap_exp (24 h by default)
  winnow db -T -a trap@example.org   add a spamtrap address
  winnow db -d 192.0.2.7             remove a WHITE entry
  winnow db -G -d 192.0.2.7          remove every GREY tuple of a client
Exit status: 0 done, 1 a key had no entry, 2 bad usage or an invalid key (then nothing is written).`;

export function dbCommand(): Command {
  return new Command('db')
    .description("the SMTP front's spamd database (spamdb): list, add and delete WHITE, TRAPPED, SPAMTRAP and GREY entries")
    .argument('[keys...]', 'IP addresses, or spamtrap addresses with -T')
    .addOption(new Option('-c, --config <file>', 'YAML config file'))
    .option('-a, --add', 'add or update: WHITE by default (new: first=pass=now, blocked 1; existing: passed+1, pass=now, expiry renewed)')
    .option('-d, --delete', 'delete the entries of the keys: WHITE by default')
    .option('-t, --trapped', 'with -a/-d: TRAPPED entries (an added one lasts trap_exp, 24 h by default)')
    .option('-T, --spamtrap', 'with -a/-d: SPAMTRAP addresses (must contain @; stored lower-cased)')
    .option('-G, --grey', 'with -d: every GREY tuple of the IP (GREY entries cannot be added)')
    .option('-j, --json', 'print entries as JSON (times in milliseconds)')
    .addHelpText('after', HELP)
    .exitOverride(usageExitCode(EXIT_USAGE))
    .action(run);
}
