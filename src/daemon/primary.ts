// The `winnow serve` primary process: validates config, forks one worker per core, respawns crashed ones, reloads on SIGHUP and drains on SIGTERM.

import cluster, { type Worker } from 'node:cluster';
import { existsSync, unlinkSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../core/context.ts';
import type { FromPrimary, ListenerInfo, ToPrimary } from './messages.ts';
import { SHUTDOWN_GRACE_MS } from './worker.ts';
import { handleWorkerRequest, ReloadRunner, WorkerDirectory, type ReloadOutcome } from './primary-link.ts';
import { builtinChecks } from '../checks/index.ts';
import { startListScheduleFor, type ListSchedule } from '../checks/spamd/list-schedule.ts';
import { configPath as findConfigPath, loadConfigFile, type LoadedConfig } from '../config/load.ts';
import { createLogger } from '../log/logger.ts';
import { version } from '../version.ts';

/** A worker that has not reported ready by then is considered failed. */
export const WORKER_START_TIMEOUT_MS = 30_000;
/** More crashes than this within CRASH_WINDOW_MS and the primary stops respawning and exits. */
export const MAX_CRASHES = 5;
export const CRASH_WINDOW_MS = 60_000;
const RESPAWN_DELAY_MS = 500;
/**
 * V8's young generation per worker (semi-space size), in MiB. Node's default (16) lets each worker's heap grow
 * ~50 MiB more under load with no scan-throughput change measurable on the corpus. 2 MiB kept a worker near
 * 150 MiB but made small requests pay for frequent scavenges: at 8 MiB a policy request costs 11–13 % less CPU
 * (bench/policy, four alternated pairs per store) for 8–12 MiB more per worker under that load.
 */
export const WORKER_SEMI_SPACE_MB = 8;

export interface ServeOptions {
  configPath?: string;
  /** Overrides the config's `workers`. */
  workers?: number;
}

interface Generation {
  id: number;
  workers: Set<Worker>;
}

export async function runPrimary(opts: ServeOptions): Promise<void> {
  const path = findConfigPath(opts.configPath);
  let config = loadConfigFile(path, builtinChecks);
  const log = createLogger(config.file.log.level, { role: 'primary' });
  cluster.setupPrimary({
    exec: fileURLToPath(new URL('./worker-main.ts', import.meta.url)),
    execArgv: [...process.execArgv, `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`],
  });

  let current: Generation = { id: 0, workers: new Set() };
  let stopping = false;
  let reloading = false;
  const crashes: number[] = [];
  const retired = new Set<Worker>();
  const startedAt = Date.now();
  const directory = new WorkerDirectory();
  /** spamd-setup's job (list sources, SPF whitelist): here only, so one process fetches; workers reload the cache file. */
  let listSchedule: ListSchedule | undefined;
  let listGeneration = 0;
  const scheduleLists = (c: LoadedConfig) => {
    const gen = ++listGeneration;
    void listSchedule?.stop();
    listSchedule = undefined;
    startListScheduleFor(c, log).then(
      (s) => (stopping || gen !== listGeneration ? void s.stop() : (listSchedule = s)),
      (err: unknown) => log.error({ err: String(err) }, 'spamd list updates not scheduled'),
    );
  };

  const workerCount = (c: LoadedConfig) => opts.workers ?? (c.file.workers === 'auto' ? availableParallelism() : c.file.workers);

  const fork = (gen: Generation): Promise<{ worker: Worker; ready: Extract<ToPrimary, { type: 'ready' }> }> => {
    // WINNOW_STARTED_AT: the daemon's start, so the controller's uptime survives reloads.
    const worker = cluster.fork({ WINNOW_CONFIG_PATH: path ?? '', WINNOW_GENERATION: String(gen.id), WINNOW_STARTED_AT: String(startedAt) });
    gen.workers.add(worker);
    // Requests from the controller: reloads after a config edit, and worker figures for the status page.
    worker.on('message', (msg: ToPrimary) => handleWorkerRequest(worker, msg, reloads, directory));
    worker.once('exit', () => directory.remove(worker.process.pid));
    worker.on('exit', (code, signal) => {
      gen.workers.delete(worker);
      if (stopping || retired.has(worker) || gen !== current) return;
      log.error({ pid: worker.process.pid, code, signal }, 'worker died; starting a replacement');
      const now = Date.now();
      crashes.push(now);
      while (crashes.length && crashes[0] < now - CRASH_WINDOW_MS) crashes.shift();
      if (crashes.length > MAX_CRASHES) {
        log.error({ crashes: crashes.length, windowMs: CRASH_WINDOW_MS }, 'workers keep crashing; giving up');
        void shutdown(1);
        return;
      }
      setTimeout(() => {
        if (!stopping && gen === current) fork(gen).catch((err: Error) => log.error({ err: err.message }, 'replacement worker failed to start'));
      }, RESPAWN_DELAY_MS).unref();
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker did not start within ${WORKER_START_TIMEOUT_MS} ms`)), WORKER_START_TIMEOUT_MS);
      worker.on('message', (msg: ToPrimary) => {
        if (msg?.type === 'ready') {
          clearTimeout(timer);
          resolve({ worker, ready: msg });
        } else if (msg?.type === 'fatal') {
          clearTimeout(timer);
          reject(new Error(msg.error));
        }
      });
      worker.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`worker exited with code ${code} before it was ready`));
      });
    });
  };

  const startGeneration = async (id: number, c: LoadedConfig): Promise<{ gen: Generation; listeners: ListenerInfo[]; store: string; checks: number }> => {
    const gen: Generation = { id, workers: new Set() };
    if (id === 1) removeStaleSockets(c, log); // on reload the running generation owns those sockets
    try {
      const results = await Promise.all(Array.from({ length: workerCount(c) }, () => fork(gen)));
      const first = results[0].ready;
      return { gen, listeners: first.listeners, store: first.store, checks: first.checks };
    } catch (err) {
      for (const w of gen.workers) w.kill('SIGKILL');
      throw err;
    }
  };

  const retire = (gen: Generation) => {
    for (const w of gen.workers) {
      retired.add(w);
      w.send({ type: 'shutdown' } satisfies FromPrimary);
    }
  };

  const waitForExit = (workers: Iterable<Worker>) =>
    Promise.all(
      [...workers].map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve();
            const kill = setTimeout(() => w.kill('SIGKILL'), SHUTDOWN_GRACE_MS + 2_000);
            w.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
          }),
      ),
    );

  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));

  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    void listSchedule?.stop();
    log.info({ workers: current.workers.size }, 'shutting down: finishing in-flight scans');
    const all = [...Object.values(cluster.workers ?? {})].filter((w): w is Worker => !!w);
    for (const w of all) if (w.isConnected()) w.send({ type: 'shutdown' } satisfies FromPrimary);
    await waitForExit(all);
    log.info({}, 'stopped');
    process.exitCode = code;
    resolveDone();
  };

  const reload = async (): Promise<ReloadOutcome> => {
    if (reloading || stopping) return { ok: false, error: stopping ? 'the daemon is shutting down' : 'a reload is already running' };
    reloading = true;
    try {
      const next = loadConfigFile(path, builtinChecks);
      const started = await startGeneration(current.id + 1, next);
      const old = current;
      current = started.gen;
      config = next;
      retire(old);
      scheduleLists(next);
      log.info({ generation: current.id, listeners: started.listeners }, `reloaded: ${summary(started)}`);
      return { ok: true, generation: current.id };
    } catch (err) {
      log.error({ err: err instanceof Error ? err.message : String(err) }, 'reload failed; keeping the running configuration');
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    } finally {
      reloading = false;
    }
  };

  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));
  const reloads = new ReloadRunner(reload);
  process.on('SIGHUP', () => void reloads.request());

  try {
    const started = await startGeneration(1, config);
    current = started.gen;
    log.info(
      { version, config: path ?? '(embedded defaults)', dataDir: config.dataDir, workers: current.workers.size, listeners: started.listeners, store: started.store },
      `winnow ${version} ready: ${summary(started)}`,
    );
    scheduleLists(config);
  } catch (err) {
    log.error({ err: err instanceof Error ? err.message : String(err) }, 'startup failed');
    stopping = true;
    process.exitCode = 1;
    return;
  }
  await done;
}

function summary(s: { gen: Generation; listeners: ListenerInfo[]; store: string; checks: number }): string {
  const listeners = s.listeners.map((l) => `${l.name} ${l.address}`).join(', ');
  return `${s.gen.workers.size} worker(s); ${listeners || 'no listeners'}; store ${s.store}; ${s.checks} checks`;
}

/** A unix socket left by a killed daemon would make listen() fail with EADDRINUSE. */
function removeStaleSockets(c: LoadedConfig, log: Logger): void {
  const paths = [...c.file.http.listen, ...c.file.controller.listen, ...c.file.policy.listen, ...c.file.milter.listen].filter((a) => a.startsWith('/'));
  for (const p of paths) {
    if (existsSync(p)) {
      try {
        unlinkSync(p);
        log.info({ path: p }, 'removed stale unix socket');
      } catch (err) {
        log.warn({ path: p, err: String(err) }, 'cannot remove stale unix socket');
      }
    }
  }
}
