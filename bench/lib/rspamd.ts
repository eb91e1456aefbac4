// Runs the installed rspamd (Debian default config) isolated on loopback for side-by-side benchmarks: private ports, dirs and DNS, no outside traffic.

import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';
import { makeTempDir, spawnDaemon, type Daemon } from './processes.ts';
import { countLogLines, httpOk, waitUntil } from './wait.ts';

const RSPAMD_CANDIDATES = ['/usr/bin/rspamd', '/usr/sbin/rspamd', '/usr/local/bin/rspamd'];
const STOCK_CONFIG = '/etc/rspamd/rspamd.conf';
const RSPAMD_USER = '_rspamd';
/** Until the workers answer /ping. */
const RSPAMD_START_TIMEOUT_MS = 60_000;
/** Compiling the stock regexps into a Hyperscan database takes ~45 s on 2 cores the first time; cached after. */
const HYPERSCAN_READY_TIMEOUT_MS = 240_000;
/**
 * The Hyperscan cache outlives the run so later runs start in seconds; it holds compiled regexps only.
 * Not under $HOME: rspamd's workers run as _rspamd and could not reach it there.
 */
const HS_CACHE_DIR = join(tmpdir(), 'winnow-bench-rspamd-hs-cache');

export function findRspamd(): string | undefined {
  for (const p of RSPAMD_CANDIDATES) if (existsSync(p)) return p;
  try {
    return execFileSync('sh', ['-c', 'command -v rspamd'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function rspamdVersion(bin: string): string {
  try {
    return /version\s+(\S+)/.exec(execFileSync(bin, ['--version'], { encoding: 'utf8' }))?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export interface RspamdOptions {
  bin: string;
  /** `127.0.0.1:PORT` of the DNS server rspamd must use for every lookup. */
  dnsAddress: string;
  /** Normal (scanning) worker processes. */
  normalWorkers: number;
  /** Use the shared loopback Redis on this DB number (Bayes, greylist…); undefined = stock config, which has no Redis. */
  redisDb?: number;
  /** Run this many proxy workers in milter mode, scanning themselves (`self_scan`), for an MTA; undefined = proxy off. */
  milterWorkers?: number;
}

export interface RunningRspamd {
  daemon: Daemon;
  /** Normal worker: `http://127.0.0.1:PORT`. */
  scanUrl: string;
  controllerUrl: string;
  dir: string;
  /** `127.0.0.1:PORT` of the milter (proxy worker), when `milterWorkers` was given. */
  milterAddress?: string;
  /** Whether the workers loaded the Hyperscan database before the deadline (without it they run PCRE, slower). */
  hyperscan: boolean;
  stop(): Promise<void>;
}

function userIds(name: string): { uid: number; gid: number } | undefined {
  try {
    const id = (flag: string): number => Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined;
  }
}

/**
 * The local.d/override.d overlay on the stock config. Every outside peer of the stock config is cut off:
 * all DNS goes to `dnsAddress` (maps.rspamd.com and the like then fail at once with NXDOMAIN), and
 * fuzzy_check is disabled because its upstreams are resolved with getaddrinfo, i.e. the system resolver.
 */
function overlay(o: RspamdOptions, ports: { normal: number; controller: number; proxy: number }, hsDir: string): Record<string, string> {
  const files: Record<string, string> = {
    'local.d/worker-normal.inc': `bind_socket = "127.0.0.1:${ports.normal}";\ncount = ${o.normalWorkers};\n`,
    'local.d/worker-controller.inc': `bind_socket = "127.0.0.1:${ports.controller}";\n`,
    'override.d/worker-proxy.inc': proxyWorker(o.milterWorkers, ports.proxy),
    'local.d/options.inc': `dns {\n  nameserver = ["${o.dnsAddress}"];\n}\nhs_cache_dir = "${hsDir}";\n`,
    'local.d/logging.inc': 'type = "file";\n',
    'override.d/fuzzy_check.conf': 'enabled = false;\n',
  };
  if (o.redisDb !== undefined) files['local.d/redis.conf'] = `servers = "127.0.0.1:6379";\ndb = "${o.redisDb}";\n`;
  return files;
}

/**
 * The proxy worker: off unless asked for (on loopback should it start anyway); in milter mode it scans in-process
 * (`self_scan`, rspamd's documented single-host setup) instead of forwarding to a normal worker.
 * The stock section's other keys (reject_message, spam_header, discard/quarantine_on_reject off) stay as shipped.
 */
function proxyWorker(workers: number | undefined, port: number): string {
  if (workers === undefined) return `bind_socket = "127.0.0.1:${port}";\ncount = -1;\n`;
  return `bind_socket = "127.0.0.1:${port}";\ncount = ${workers};\nmilter = yes;\nupstream "local" {\n  default = yes;\n  self_scan = yes;\n}\n`;
}

export async function startRspamd(o: RspamdOptions): Promise<RunningRspamd> {
  const dir = makeTempDir('winnow-bench-rspamd-');
  const ports = { normal: await freePort(), controller: await freePort(), proxy: await freePort() };
  const confDir = join(dir, 'conf');
  const runDirs = ['db', 'run', 'log'].map((d) => join(dir, d));
  for (const d of [join(confDir, 'local.d'), join(confDir, 'override.d'), ...runDirs, HS_CACHE_DIR]) mkdirSync(d, { recursive: true });
  for (const [name, text] of Object.entries(overlay(o, ports, HS_CACHE_DIR))) writeFileSync(join(confDir, name), text);

  // As root, rspamd refuses to run workers as root unless -i; run them as the packaged user instead.
  const isRoot = process.getuid?.() === 0;
  const ids = isRoot ? userIds(RSPAMD_USER) : undefined;
  chmodSync(dir, 0o755);
  if (ids) for (const d of [...runDirs, HS_CACHE_DIR]) chownSync(d, ids.uid, ids.gid);
  const userArgs = !isRoot ? [] : ids ? ['-u', RSPAMD_USER, '-g', RSPAMD_USER] : ['-i'];

  const vars = { LOCAL_CONFDIR: confDir, DBDIR: runDirs[0], RUNDIR: runDirs[1], LOGDIR: runDirs[2] };
  const args = ['-f', '-c', STOCK_CONFIG, ...Object.entries(vars).map(([k, v]) => `--var=${k}=${v}`), ...userArgs];
  const daemon = spawnDaemon('rspamd', o.bin, args, { logPath: join(dir, 'stdout.log') });
  const logFile = join(runDirs[2], 'rspamd.log');
  const scanUrl = `http://127.0.0.1:${ports.normal}`;
  await waitUntil('rspamd /ping', () => httpOk(`${scanUrl}/ping`), RSPAMD_START_TIMEOUT_MS, daemon);

  let hyperscan = true;
  try {
    // With a warm cache the main process loads the database before forking; otherwise each worker loads it when hs_helper is done.
    await waitUntil(
      'rspamd workers to load Hyperscan',
      () =>
        countLogLines(logFile, /\(main\).*full hyperscan database .*has been loaded/) > 0 ||
        countLogLines(logFile, /\((normal|rspamd_proxy)\).*hyperscan database .*has been loaded/) >= o.normalWorkers + (o.milterWorkers ?? 0),
      HYPERSCAN_READY_TIMEOUT_MS,
      daemon,
    );
  } catch (err) {
    if (daemon.hasExited()) throw err;
    hyperscan = false;
  }
  return {
    daemon,
    scanUrl,
    controllerUrl: `http://127.0.0.1:${ports.controller}`,
    dir,
    milterAddress: o.milterWorkers === undefined ? undefined : `127.0.0.1:${ports.proxy}`,
    hyperscan,
    stop: () => daemon.stop(),
  };
}
