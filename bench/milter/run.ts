// Milter throughput benchmark: corpus messages through a private Postfix over concurrent SMTP sessions, with no milter, with winnow's milter and with rspamd's proxy in milter mode, in one run.

import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startPostfix, TEST_DOMAIN, type RunningPostfix } from '../../test/support/postfix.ts';
import { corpusDir, ensureCorpus, loadCorpus } from '../lib/corpus.ts';
import { startNxdomainDns } from '../lib/dns.ts';
import { freePort } from '../lib/ports.ts';
import { findRspamd, rspamdVersion, startRspamd } from '../lib/rspamd.ts';
import { summarize, type LatencySummary } from '../lib/stats.ts';
import { formatTable } from '../lib/table.ts';
import { startWinnow, winnowAvailable } from '../lib/winnow.ts';
import { runSmtpLoad, type SmtpLoadOptions, type SmtpLoadResult } from './smtp-load.ts';

const DEFAULT_MESSAGES = 2000;
const DEFAULT_SESSIONS = 10;
const DEFAULT_PER_SESSION = 10;
/** Untimed messages first in every phase: JITs, caches, Postfix's process pools and milter connections are warm. */
const DEFAULT_WARMUP = 100;
const DELIVERY_POLL_MS = 20;
/** No new maildir file for this long while some accepted messages are missing: they were discarded or held, stop waiting. */
const DELIVERY_STALL_MS = 15_000;
const SENDER = 'bench@example.net';
const RECIPIENT = `inbox@${TEST_DOMAIN}`;
/** The MTA's view of each session's client (XCLIENT): TEST-NET-1 addresses (RFC 5737), so no filter treats it as local. */
const XCLIENT_NET = '192.0.2.';
const XCLIENT_HOSTS = 254;

/**
 * Postfix tuned so that it is not what limits the milter phases: no inflow throttling when the queue manager lags, no
 * error sleeps after refusals, enough processes and delivery agents, XCLIENT for the load generator on loopback.
 */
const BENCH_MAIN_CF: Record<string, string> = {
  in_flow_delay: '0s',
  smtpd_error_sleep_time: '0s',
  smtpd_soft_error_limit: '1000',
  smtpd_hard_error_limit: '1000',
  default_process_limit: '200',
  smtpd_client_connection_count_limit: '0',
  initial_destination_concurrency: '20',
  virtual_destination_concurrency_limit: '20',
  smtpd_authorized_xclient_hosts: '127.0.0.0/8',
  milter_default_action: 'tempfail',
};

const USAGE = `usage: node bench/milter/run.ts [options]   (as root: it starts a private Postfix)
  --corpus DIR        corpus root with {train,test}/{spam,ham}/*.eml (default $WINNOW_CORPUS or <repo>/.corpus; laid out if absent)
  --messages N        corpus messages per phase, spread over spam and ham (default ${DEFAULT_MESSAGES})
  --sessions N        concurrent SMTP sessions (default ${DEFAULT_SESSIONS})
  --per-session N     messages per SMTP session before it reconnects (default ${DEFAULT_PER_SESSION})
  --warmup N          untimed messages at the start of every phase (default ${DEFAULT_WARMUP})
  --workers N         scanning processes for winnow and rspamd's milter (default: cores = ${availableParallelism()})
  --loopback          let the MTA see the real 127.0.0.1 client instead of TEST-NET addresses via XCLIENT
  --skip-winnow       no winnow phase
  --skip-rspamd       no rspamd phase
  --winnow-greylist   keep winnow's greylisting (check and threshold; off by default: stock rspamd has none without Redis)
  --check             exit 1 when winnow's milter costs Postfix more throughput than rspamd's

Phases, one after the other: Postfix alone, Postfix + winnow's milter, Postfix + rspamd's proxy worker in milter mode
(self_scan, stock config, DNS to a loopback NXDOMAIN server). A message counts when Postfix refused it (final reply
4xx/5xx) or when it reached the maildir.`;

interface Row {
  phase: string;
  messages: number;
  elapsedMs: number;
  load: SmtpLoadResult;
  delivered: number;
  /** Accepted but never in the maildir (discarded or held). */
  undelivered: number;
  latency: LatencySummary;
}

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

function positiveInt(name: string, v: string | undefined, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} needs a whole number ≥ ${min}, got ${v}`);
  return n;
}

/** Waits until the maildir holds `target` messages (or stalls); returns when the last one arrived. */
async function waitForMaildir(pf: RunningPostfix, target: number): Promise<{ count: number; lastAt: number }> {
  let count = pf.deliveredCount();
  let lastAt = performance.now();
  while (count < target) {
    await sleep(DELIVERY_POLL_MS);
    const now = pf.deliveredCount();
    if (now > count) {
      count = now;
      lastAt = performance.now();
    } else if (performance.now() - lastAt > DELIVERY_STALL_MS) break;
  }
  return { count, lastAt };
}

async function runPhase(phase: string, milters: string[], messages: readonly Uint8Array[], warmup: number, load: Omit<SmtpLoadOptions, 'port'>): Promise<Row> {
  const pf = await startPostfix({ milters, mainCf: BENCH_MAIN_CF });
  try {
    const opts = { ...load, port: pf.port };
    if (warmup > 0) {
      log(`${phase}: warming up with ${warmup} messages…`);
      const w = await runSmtpLoad(messages.slice(0, warmup), opts);
      if (w.errors > 0) throw new Error(`warm-up failed: ${w.errorSamples.join('; ')}`);
      await waitForMaildir(pf, w.accepted);
    }
    const before = pf.deliveredCount();
    log(`${phase}: ${messages.length} messages over ${load.sessions} sessions…`);
    const t0 = performance.now();
    const r = await runSmtpLoad(messages, opts);
    const repliedAt = t0 + r.elapsedMs;
    const d = await waitForMaildir(pf, before + r.accepted);
    const delivered = d.count - before;
    const elapsedMs = Math.max(repliedAt, delivered > 0 ? d.lastAt : 0) - t0;
    const warnings = pf.log().split('\n').filter((l) => /warning: .*milter/i.test(l));
    if (warnings.length > 0) log(`${phase}: ${warnings.length} milter warnings in the maillog, e.g. ${warnings[0]}`);
    return { phase, messages: messages.length, elapsedMs, load: r, delivered, undelivered: r.accepted - delivered, latency: summarize(r.latenciesMs) };
  } finally {
    await pf.stop();
  }
}

/**
 * winnow's milter on a free port, the listeners with fixed default ports (policy, SMTP front) off. Greylisting is off unless asked for, so
 * both systems give Postfix the same kind of work: rspamd's stock config has no Redis and so no greylist module,
 * and its milter accepts a message whose score only reaches the greylist threshold, while a 4xx costs Postfix far
 * less than a delivery. Without the greylist threshold winnow delivers those messages too.
 */
function winnowConfig(port: number, greylist: boolean): Record<string, unknown> {
  return {
    milter: { listen: [`127.0.0.1:${port}`] },
    policy: { enabled: false },
    smtp_front: { enabled: false },
    ...(greylist ? {} : { checks: { greylist: { enabled: false } }, actions: { greylist: null } }),
  };
}

const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');
/** Messages Postfix finished with (delivered or refused) per second; session errors do not count. */
const rate = (r: Row): number => (r.delivered + r.load.rejected + r.load.tempfailed) / (r.elapsedMs / 1000);

function postfixVersion(): string {
  try {
    return execFileSync('postconf', ['-h', '-d', 'mail_version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      corpus: { type: 'string' },
      messages: { type: 'string' },
      sessions: { type: 'string' },
      'per-session': { type: 'string' },
      warmup: { type: 'string' },
      workers: { type: 'string' },
      loopback: { type: 'boolean', default: false },
      'skip-winnow': { type: 'boolean', default: false },
      'skip-rspamd': { type: 'boolean', default: false },
      'winnow-greylist': { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const count = positiveInt('messages', values.messages, DEFAULT_MESSAGES);
  const sessions = positiveInt('sessions', values.sessions, DEFAULT_SESSIONS);
  const perSession = positiveInt('per-session', values['per-session'], DEFAULT_PER_SESSION);
  const warmup = Math.min(count, positiveInt('warmup', values.warmup, DEFAULT_WARMUP, 0));
  const workers = positiveInt('workers', values.workers, availableParallelism());
  if (process.getuid?.() !== 0) throw new Error('run as root: the private Postfix drops its daemons to the postfix user');

  const dir = corpusDir(values.corpus);
  ensureCorpus(dir, log);
  const corpus = loadCorpus(dir, { limit: count });
  if (corpus.length < count) log(`warning: the corpus has only ${corpus.length} messages`);
  const spam = corpus.filter((m) => m.label === 'spam').length;
  log(`corpus: ${corpus.length} messages (${spam} spam, ${corpus.length - spam} ham) from ${dir}`);
  const messages = corpus.map((m) => m.bytes);
  const load: Omit<SmtpLoadOptions, 'port'> = {
    host: '127.0.0.1',
    sessions,
    perSession,
    from: SENDER,
    to: RECIPIENT,
    xclient: values.loopback ? undefined : (i) => ({ ADDR: `${XCLIENT_NET}${(i % XCLIENT_HOSTS) + 1}`, NAME: '[UNAVAILABLE]', HELO: 'mail.example.net' }),
  };

  const dns = await startNxdomainDns();
  log(`DNS: NXDOMAIN for everything at ${dns.address}`);
  const rows: Row[] = [];
  const problems: string[] = [];
  let rspamdLabel = 'rspamd milter';
  try {
    rows.push(await runPhase('no milter', [], messages, warmup, load));
    if (!values['skip-winnow']) {
      if (!winnowAvailable()) problems.push('winnow: src/cli/main.ts not found, skipped');
      else {
        try {
          const port = await freePort();
          log(`winnow: starting ${workers} workers, milter on 127.0.0.1:${port}…`);
          const w = await startWinnow({ dnsAddress: dns.address, workers, extraConfig: winnowConfig(port, values['winnow-greylist']) });
          try {
            rows.push(await runPhase('winnow milter', [`inet:127.0.0.1:${port}`], messages, warmup, load));
          } finally {
            await w.stop();
          }
        } catch (err) {
          problems.push(`winnow: ${(err as Error).message}`);
        }
      }
    }
    if (!values['skip-rspamd']) {
      const bin = findRspamd();
      if (!bin) problems.push('rspamd: not installed (Debian package rspamd), skipped');
      else {
        rspamdLabel = `rspamd ${rspamdVersion(bin)} milter`;
        try {
          log(`rspamd: starting ${workers} proxy workers in milter mode (self_scan)…`);
          const r = await startRspamd({ bin, dnsAddress: dns.address, normalWorkers: 1, milterWorkers: workers });
          if (!r.hyperscan) problems.push('rspamd: Hyperscan not loaded before the deadline (PCRE fallback, slower)');
          try {
            rows.push(await runPhase(rspamdLabel, [`inet:${r.milterAddress}`], messages, warmup, load));
          } finally {
            await r.stop();
          }
        } catch (err) {
          problems.push(`rspamd: ${(err as Error).message}`);
        }
      }
    }
  } finally {
    await dns.stop();
  }

  console.log(`\nPostfix ${postfixVersion()}, ${messages.length} messages, ${sessions} SMTP sessions × ${perSession} messages, ${workers} scanner processes, ${availableParallelism()} cores${values.loopback ? ', loopback client' : ', XCLIENT TEST-NET clients'}\n`);
  console.log(
    formatTable(
      ['phase', 'msgs/s', 'elapsed s', 'delivered', '5xx', '4xx', 'undelivered', 'errors', 'p50 ms', 'p99 ms'],
      rows.map((r) => [
        r.phase,
        fmt(rate(r)),
        fmt(r.elapsedMs / 1000),
        String(r.delivered),
        String(r.load.rejected),
        String(r.load.tempfailed),
        String(r.undelivered),
        String(r.load.errors),
        fmt(r.latency.p50Ms),
        fmt(r.latency.p99Ms),
      ]),
    ),
  );
  const byPhase = (p: string): Row | undefined => rows.find((r) => r.phase === p);
  const [none, winnow, rspamd] = [byPhase('no milter'), byPhase('winnow milter'), byPhase(rspamdLabel)];
  const ratios: string[][] = [];
  if (winnow && none) ratios.push(['winnow milter / no milter', fmt(rate(winnow) / rate(none), 2)]);
  if (rspamd && none) ratios.push([`${rspamdLabel} / no milter`, fmt(rate(rspamd) / rate(none), 2)]);
  if (winnow && rspamd) ratios.push([`winnow milter / ${rspamdLabel}`, fmt(rate(winnow) / rate(rspamd), 2)]);
  if (ratios.length > 0) console.log(`\n${formatTable(['throughput ratio', 'value'], ratios)}`);
  for (const r of rows) {
    for (const s of r.load.refusalSamples) console.log(`${r.phase} refusal: ${s.replace(/\n/g, ' / ')}`);
    for (const s of r.load.errorSamples) console.log(`${r.phase} error: ${s}`);
  }
  for (const p of problems) console.log(`note: ${p}`);

  if (values.check) {
    if (!winnow || !rspamd) {
      console.log('check: FAILED (winnow and rspamd phases are both needed)');
      return 1;
    }
    const ok = rate(winnow) >= rate(rspamd);
    console.log(`check: ${ok ? 'ok' : 'FAILED'} (target: winnow's milter keeps at least rspamd's throughput)`);
    return ok ? 0 : 1;
  }
  return problems.length > 0 && rows.length < 2 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
