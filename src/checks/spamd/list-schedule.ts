// Runs the list-source update and the SPF whitelist refresh on their schedules in ONE process (the daemon's primary), one job at a time.

import { stat } from 'node:fs/promises';
import type { Logger } from '../../core/context.ts';
import type { LoadedConfig } from '../../config/load.ts';
import type { DnsConfig } from '../../dns/config.ts';
import { createResolver } from '../../dns/resolver.ts';
import { readCacheFile, updateLists, type SourceReport } from './sources.ts';
import { listsCachePath } from './source-lists.ts';
import { effectiveSources, parseSourcesConfig, SPF_WHITELIST_SOURCE, spfWhitelistPath, type SpamdSourcesConfig } from './sources-config.ts';
import { writeSpfWhitelist } from './spf-whitelist.ts';

/** Name of the check whose config block holds the sources (src/checks/spamd/index.ts). */
const SPAMD_BLOCK = 'spamd';
/** setTimeout's largest delay (2^31 - 1 ms, about 24.8 days); longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ScheduleOptions {
  sources: SpamdSourcesConfig;
  dataDir: string;
  configDir: string;
  dns: DnsConfig;
  log: Logger;
  now?: () => number;
}

export interface ListSchedule {
  /** Stops the timers and waits for a job in progress. */
  stop(): Promise<void>;
  /** Resolves when no job is queued or running (tests). */
  idle(): Promise<void>;
}

/** The sources part of `checks.spamd`; undefined when the check is disabled (nothing would use the lists). */
export function sourcesConfigOf(config: LoadedConfig): SpamdSourcesConfig | undefined {
  const block = config.checks[SPAMD_BLOCK] as Partial<SpamdSourcesConfig> | undefined;
  if (block === undefined) return undefined;
  return block.sources !== undefined ? (block as SpamdSourcesConfig) : parseSourcesConfig(config.file.checks[SPAMD_BLOCK]);
}

/** One line for the log and `winnow blacklist update`: name, list type, networks, and what went wrong. */
export function describeReport(r: SourceReport): string {
  // Subtraction can split a network in several, so the count after the white sources may be larger.
  const after = r.type === 'black' && r.effective !== r.entries ? ` (${r.effective} after the white sources)` : '';
  const bad = r.bad ? `, ${r.bad} bad line(s)` : '';
  return `${r.name} (${r.type}): ${r.entries} network(s)${after}${bad}${r.ok ? '' : `; FAILED: ${r.error} (previous list kept)`}`;
}

async function mtimeOf(path: string): Promise<number | undefined> {
  return stat(path).then(
    (s) => s.mtimeMs,
    () => undefined,
  );
}

/** Starts the jobs; each first runs when its last result (cache file, SPF file) is one interval old, so restarts do not refetch. */
export async function startListSchedule(opts: ScheduleOptions): Promise<ListSchedule> {
  const { sources: cfg, log } = opts;
  const now = opts.now ?? Date.now;
  const sources = effectiveSources(cfg, opts.dataDir);
  if (sources.length === 0) return { stop: async () => {}, idle: async () => {} };
  const cachePath = listsCachePath(opts.dataDir);
  const dns = cfg.spf_whitelist ? createResolver(opts.dns) : undefined;
  const timers = new Set<NodeJS.Timeout>();
  let chain = Promise.resolve();
  let stopped = false;

  const enqueue = (job: () => Promise<void>): void => {
    chain = chain.then(() => (stopped ? undefined : job())).catch((err: unknown) => log.error({ err: String(err) }, `spamd lists: update failed: ${String(err)}`));
  };
  const runLists = (only?: ReadonlySet<string>) => async () => {
    const reports = await updateLists({ sources, cachePath, configDir: opts.configDir, timeoutMs: cfg.source_timeout, log, only, now });
    log.info({ sources: reports }, `spamd lists updated: ${reports.map(describeReport).join('; ')}`);
  };
  const runSpf = (followUp: boolean) => async () => {
    const spf = cfg.spf_whitelist!;
    const reports = await writeSpfWhitelist({ domains: spf.domains, dns: dns!, path: spfWhitelistPath(spf, opts.dataDir), log, now });
    log.info({ domains: reports }, `spf whitelist refreshed: ${reports.map((r) => `${r.domain} ${r.networks}${r.kept ? ' (kept)' : ''}`).join(', ')}`);
    if (followUp) await runLists(new Set([SPF_WHITELIST_SOURCE]))();
  };
  const every = (delayMs: number, intervalMs: number, job: () => void): void => {
    const arm = (ms: number, due: number) => {
      const t = setTimeout(() => {
        timers.delete(t);
        if (stopped) return;
        if (now() < due) return arm(due - now(), due);
        job();
        arm(intervalMs, now() + intervalMs);
      }, Math.min(Math.max(0, ms), MAX_TIMER_MS));
      t.unref();
      timers.add(t);
    };
    arm(delayMs, now() + delayMs);
  };

  const cache = await readCacheFile(cachePath, log);
  const sameSources = cache !== undefined && cache.sources.map((s) => s.name).join('\n') === sources.map((s) => s.name).join('\n');
  const listsDelay = sameSources ? cache.writtenAt + cfg.update_interval - now() : 0;
  if (cfg.spf_whitelist) {
    const written = await mtimeOf(spfWhitelistPath(cfg.spf_whitelist, opts.dataDir));
    const spfDelay = written === undefined ? 0 : written + cfg.spf_whitelist.interval - now();
    // When both are due at start, the full update right after reads the fresh file anyway.
    const first = spfDelay <= 0 && listsDelay <= 0;
    let followUp = !first;
    every(spfDelay, cfg.spf_whitelist.interval, () => {
      enqueue(runSpf(followUp));
      followUp = true;
    });
  }
  every(listsDelay, cfg.update_interval, () => enqueue(runLists()));
  log.info({ sources: sources.map((s) => s.name), firstUpdateInMs: Math.max(0, listsDelay) }, 'spamd lists: updates scheduled');

  return {
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await chain;
      dns?.close();
    },
    async idle() {
      // A job may enqueue another (the SPF follow-up): wait until the chain stops growing.
      let seen: Promise<void>;
      do {
        seen = chain;
        await seen;
      } while (seen !== chain);
    },
  };
}

/** The primary's hook: the schedule for a loaded config (nothing when the spamd check is off or has no sources). */
export async function startListScheduleFor(config: LoadedConfig, log: Logger): Promise<ListSchedule> {
  const sources = sourcesConfigOf(config);
  if (!sources) return { stop: async () => {}, idle: async () => {} };
  return startListSchedule({ sources, dataDir: config.dataDir, configDir: config.dir, dns: config.file.dns, log });
}
