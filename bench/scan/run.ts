// Scan throughput benchmark: posts the corpus to winnow's /checkv2 with N requests in flight, and to rspamd (stock config) in the same run, and compares messages/s, p50/p99 latency and peak RSS.

import { parseArgs } from 'node:util';
import { availableParallelism } from 'node:os';
import { corpusDir, ensureCorpus, loadCorpus, type CorpusMessage } from '../lib/corpus.ts';
import { startNxdomainDns } from '../lib/dns.ts';
import { keepAliveAgent, postCheckv2 } from '../lib/http-scan.ts';
import { runClosedLoop } from '../lib/load.ts';
import { sampleTreeMemory } from '../lib/rss.ts';
import { findRspamd, rspamdVersion, startRspamd } from '../lib/rspamd.ts';
import { summarize, type LatencySummary } from '../lib/stats.ts';
import { formatTable } from '../lib/table.ts';
import { startWinnow, winnowAvailable } from '../lib/winnow.ts';

/** The targets: at least rspamd's throughput, and p99 under this. */
const TARGET_P99_MS = 100;
const DEFAULT_CONCURRENCY = 8;
/** Untimed requests first, so JITs, caches and connection pools are warm for both systems. */
const DEFAULT_WARMUP = 200;
const MIB = 1024 * 1024;
/** A fixed TEST-NET envelope (RFC 5737) for `--envelope`: makes both run their IP/SPF/HELO checks (all NXDOMAIN). */
const ENVELOPE_HEADERS = { IP: '192.0.2.10', Helo: 'mail.example.net', From: 'sender@example.net', Rcpt: 'user@example.org' };

const USAGE = `usage: node bench/scan/run.ts [options]
  --corpus DIR          corpus root with {train,test}/{spam,ham}/*.eml (default $WINNOW_CORPUS or <repo>/.corpus; laid out if absent)
  --limit N             use N messages (spread over the corpus) instead of all
  --concurrency N       requests in flight (default ${DEFAULT_CONCURRENCY})
  --workers N           scanning processes for each system (default: cores = ${availableParallelism()})
  --warmup N            untimed requests before measuring (default ${DEFAULT_WARMUP})
  --envelope            send IP/Helo/From/Rcpt headers (TEST-NET addresses) with every message
  --skip-rspamd         measure winnow only
  --skip-winnow         measure rspamd only
  --rspamd-redis-db N   let rspamd use the loopback Redis on DB N (stock config has no Redis)
  --check               exit 1 when a target is missed`;

interface Row {
  system: string;
  messages: number;
  elapsedMs: number;
  latency: LatencySummary;
  peakRssBytes: number;
  peakPssBytes: number | undefined;
  errors: number;
  errorSamples: string[];
  note?: string;
}

function positiveInt(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} needs a whole number ≥ 1, got ${v}`);
  return n;
}

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

async function measure(system: string, scanUrl: string, rootPid: number, messages: readonly CorpusMessage[], o: { concurrency: number; warmup: number; headers: Record<string, string> }): Promise<Row> {
  const agent = keepAliveAgent(o.concurrency);
  const url = `${scanUrl}/checkv2`;
  const send = (m: CorpusMessage): Promise<void> => postCheckv2(agent, url, m.bytes, o.headers);
  try {
    const memory = sampleTreeMemory(rootPid);
    const warm = messages.slice(0, Math.min(o.warmup, messages.length));
    log(`${system}: warming up with ${warm.length} messages…`);
    await runClosedLoop(warm, o.concurrency, send);
    log(`${system}: scanning ${messages.length} messages, ${o.concurrency} in flight…`);
    const r = await runClosedLoop(messages, o.concurrency, send);
    const { peakRssBytes, peakPssBytes } = memory.stop();
    return {
      system,
      messages: messages.length,
      elapsedMs: r.elapsedMs,
      latency: summarize(r.latenciesMs),
      peakRssBytes,
      peakPssBytes,
      errors: r.errors,
      errorSamples: r.errorSamples,
    };
  } finally {
    agent.destroy();
  }
}

function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

function throughput(r: Row): number {
  return (r.messages - r.errors) / (r.elapsedMs / 1000);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      corpus: { type: 'string' },
      limit: { type: 'string' },
      concurrency: { type: 'string' },
      workers: { type: 'string' },
      warmup: { type: 'string' },
      envelope: { type: 'boolean', default: false },
      'skip-rspamd': { type: 'boolean', default: false },
      'skip-winnow': { type: 'boolean', default: false },
      'rspamd-redis-db': { type: 'string' },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const concurrency = positiveInt('concurrency', values.concurrency, DEFAULT_CONCURRENCY);
  const workers = positiveInt('workers', values.workers, availableParallelism());
  const warmup = values.warmup === '0' ? 0 : positiveInt('warmup', values.warmup, DEFAULT_WARMUP);
  const redisDb = values['rspamd-redis-db'] === undefined ? undefined : Number(values['rspamd-redis-db']);
  if (redisDb !== undefined && !(Number.isInteger(redisDb) && redisDb >= 1 && redisDb <= 15)) throw new Error('--rspamd-redis-db needs 1..15 (DB 0 is shared)');
  const headers = values.envelope ? ENVELOPE_HEADERS : {};

  const dir = corpusDir(values.corpus);
  ensureCorpus(dir, log);
  const messages = loadCorpus(dir, { limit: values.limit === undefined ? undefined : positiveInt('limit', values.limit, 0) });
  if (messages.length === 0) throw new Error(`no messages in ${dir}`);
  const spam = messages.filter((m) => m.label === 'spam').length;
  log(`corpus: ${messages.length} messages (${spam} spam, ${messages.length - spam} ham) from ${dir}`);

  const dns = await startNxdomainDns();
  log(`DNS: NXDOMAIN for everything at ${dns.address}`);
  const rows: Row[] = [];
  const problems: string[] = [];
  const opts = { concurrency, warmup, headers };
  try {
    if (!values['skip-winnow']) {
      if (!winnowAvailable()) problems.push('winnow: src/cli/main.ts not found, skipped');
      else {
        log(`winnow: starting ${workers} workers…`);
        try {
          const w = await startWinnow({ dnsAddress: dns.address, workers });
          try {
            rows.push(await measure('winnow', w.scanUrl, w.daemon.pid, messages, opts));
          } finally {
            await w.stop();
          }
        } catch (err) {
          problems.push(`winnow: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
    if (!values['skip-rspamd']) {
      const bin = findRspamd();
      if (!bin) problems.push('rspamd: not installed, skipped');
      else {
        log(`rspamd ${rspamdVersion(bin)}: starting ${workers} normal workers (stock config; the first start compiles Hyperscan, ~1 min)…`);
        try {
          const r = await startRspamd({ bin, dnsAddress: dns.address, normalWorkers: workers, redisDb });
          try {
            const row = await measure(`rspamd ${rspamdVersion(bin)}`, r.scanUrl, r.daemon.pid, messages, opts);
            if (!r.hyperscan) row.note = 'Hyperscan not loaded (PCRE fallback)';
            if (redisDb !== undefined) row.note = `Redis DB ${redisDb}`;
            rows.push(row);
          } finally {
            await r.stop();
          }
        } catch (err) {
          problems.push(`rspamd: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
  } finally {
    await dns.stop();
  }

  console.log(
    `\nscan benchmark: ${messages.length} messages, ${concurrency} in flight, ${workers} workers each, ${availableParallelism()} cores, envelope ${values.envelope ? 'on' : 'off'}, DNS NXDOMAIN on loopback\n`,
  );
  console.log(
    formatTable(
      ['system', 'msgs/s', 'p50 ms', 'p99 ms', 'max ms', 'peak RSS MB', 'peak PSS MB', 'errors', 'note'],
      rows.map((r) => [
        r.system,
        fmt(throughput(r)),
        fmt(r.latency.p50Ms),
        fmt(r.latency.p99Ms),
        fmt(r.latency.maxMs),
        fmt(r.peakRssBytes / MIB, 0),
        r.peakPssBytes === undefined ? '-' : fmt(r.peakPssBytes / MIB, 0),
        String(r.errors),
        r.note ?? '',
      ]),
    ),
  );
  for (const r of rows) for (const e of r.errorSamples) console.log(`  ${r.system} error: ${e}`);
  for (const p of problems) console.log(`! ${p}`);
  console.log('(RSS sums every process of the daemon, so pages shared by forked workers count several times; PSS splits them.)');

  const winnow = rows.find((r) => r.system === 'winnow');
  const rspamd = rows.find((r) => r.system.startsWith('rspamd'));
  let ok = problems.length === 0;
  if (winnow) {
    const p99ok = winnow.latency.p99Ms < TARGET_P99_MS;
    console.log(`\ntarget p99 < ${TARGET_P99_MS} ms: ${p99ok ? 'met' : 'MISSED'} (${fmt(winnow.latency.p99Ms)} ms)`);
    ok &&= p99ok && winnow.errors === 0;
    if (rspamd) {
      const ratio = throughput(winnow) / throughput(rspamd);
      console.log(`ratio winnow/rspamd: ${ratio.toFixed(2)}×`);
      console.log(`target throughput ≥ rspamd: ${ratio >= 1 ? 'met' : 'MISSED'}`);
      ok &&= ratio >= 1;
    }
  }
  return values.check && !ok ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`bench/scan: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
