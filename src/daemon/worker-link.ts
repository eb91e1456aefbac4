// A worker's side of the IPC the controller needs: asking the primary for a reload, and reporting/learning every worker's figures.

import type { ReloadOutcome } from './primary-link.ts';
import type { ScanObserver } from '../core/scanner.ts';
import type { FromPrimary, ToPrimary, WorkerStats } from './messages.ts';

/** How often a worker reports its figures; the status page's worker list is at most this old. */
export const WORKER_STATS_INTERVAL_MS = 5_000;
/** A reload starts a whole new generation of workers; one that takes longer than this has failed. */
export const RELOAD_TIMEOUT_MS = 60_000;

export interface WorkerLink {
  readonly generation: number;
  /** Asks the primary to reload the configuration; resolves once the new workers serve (or it failed). */
  requestReload(): Promise<ReloadOutcome>;
  /** Every worker's last report, this one's as of now. */
  workers(): WorkerStats[];
  close(): void;
}

/**
 * Starts reporting (now and every WORKER_STATS_INTERVAL_MS), counting this worker's scans. Outside a cluster (no IPC channel) reloads are refused
 * with an explanation and the worker list holds this process only.
 */
export function startWorkerLink(generation: number, scanner: { addObserver(o: ScanObserver): void }): WorkerLink {
  const send = (m: ToPrimary) => process.send?.(m);
  let scanned = 0;
  scanner.addObserver({
    observe: (request) => {
      // Unrecorded scans (SMTP-front connects) are not messages; the status page counts messages.
      if (request.record !== false) scanned++;
    },
  });
  const own = (): WorkerStats => ({
    pid: process.pid,
    generation,
    rssBytes: process.memoryUsage.rss(),
    scanned,
    uptimeSec: Math.floor(process.uptime()),
  });
  let known: WorkerStats[] = [];
  let nextId = 1;
  const pending = new Map<number, (o: ReloadOutcome) => void>();

  const onMessage = (msg: FromPrimary) => {
    if (msg?.type === 'workers') known = msg.workers;
    else if (msg?.type === 'reloaded') {
      const done = pending.get(msg.id);
      pending.delete(msg.id);
      done?.({ ok: msg.ok, generation: msg.generation, error: msg.error });
    }
  };
  process.on('message', onMessage);
  const report = () => send({ type: 'stats', stats: own() });
  report();
  const timer = setInterval(report, WORKER_STATS_INTERVAL_MS);
  timer.unref();

  const link: WorkerLink = {
    generation,
    requestReload() {
      if (!process.send || !process.connected) return Promise.resolve({ ok: false, error: 'not running under the winnow primary; send SIGHUP or restart to apply' });
      const id = nextId++;
      return new Promise<ReloadOutcome>((resolve) => {
        const timeout = setTimeout(() => {
          pending.delete(id);
          resolve({ ok: false, error: `no answer from the primary within ${RELOAD_TIMEOUT_MS / 1000} s` });
        }, RELOAD_TIMEOUT_MS);
        timeout.unref();
        pending.set(id, (o) => {
          clearTimeout(timeout);
          resolve(o);
        });
        send({ type: 'reload', id });
      });
    },
    workers() {
      const self = own();
      return [self, ...known.filter((w) => w.pid !== self.pid)];
    },
    close() {
      clearInterval(timer);
      process.off('message', onMessage);
      if (active === link) active = undefined;
    },
  };
  active = link;
  return link;
}

let active: WorkerLink | undefined;

/** The link of this worker process, once `startWorkerLink` ran (the controller's wiring reads it). */
export function activeWorkerLink(): WorkerLink | undefined {
  return active;
}
