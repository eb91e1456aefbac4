// The primary's side of what workers ask over IPC: reloads requested by the controller (serialised), and the directory of worker figures for the status page.

import type { Worker } from 'node:cluster';
import type { FromPrimary, ToPrimary, WorkerStats } from './messages.ts';

export interface ReloadOutcome {
  ok: boolean;
  generation?: number;
  error?: string;
}

/** A worker not heard from for this long is left out of the status page (it reports every WORKER_STATS_INTERVAL_MS). */
export const WORKER_STATS_STALE_MS = 30_000;

/**
 * Runs reloads one at a time. A request made while one runs gets the next run, not the running one: the file it
 * wrote may have changed after that run read it. Requests waiting together share one run.
 */
export class ReloadRunner {
  readonly #run: () => Promise<ReloadOutcome>;
  #running: Promise<ReloadOutcome> | undefined;
  #next: Promise<ReloadOutcome> | undefined;

  constructor(run: () => Promise<ReloadOutcome>) {
    this.#run = run;
  }

  request(): Promise<ReloadOutcome> {
    if (!this.#running) return this.#start();
    this.#next ??= this.#running.then(
      () => this.#start(),
      () => this.#start(),
    );
    return this.#next;
  }

  #start(): Promise<ReloadOutcome> {
    this.#next = undefined;
    const p = this.#run().catch((err: unknown): ReloadOutcome => ({ ok: false, error: err instanceof Error ? err.message : String(err) }));
    this.#running = p;
    void p.finally(() => {
      if (this.#running === p) this.#running = undefined;
    });
    return p;
  }
}

/** The last figures each live worker reported. */
export class WorkerDirectory {
  readonly #byPid = new Map<number, { stats: WorkerStats; at: number }>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  report(stats: WorkerStats): void {
    this.#byPid.set(stats.pid, { stats, at: this.#now() });
  }

  remove(pid: number | undefined): void {
    if (pid !== undefined) this.#byPid.delete(pid);
  }

  list(): WorkerStats[] {
    const now = this.#now();
    return [...this.#byPid.values()].filter((w) => now - w.at < WORKER_STATS_STALE_MS).map((w) => w.stats);
  }
}

/** Answers one worker message that is not about start-up; returns false for the others (ready, fatal). */
export function handleWorkerRequest(worker: Worker, msg: ToPrimary, reloads: ReloadRunner, directory: WorkerDirectory): boolean {
  const reply = (m: FromPrimary) => {
    if (worker.isConnected()) worker.send(m);
  };
  if (msg?.type === 'stats') {
    directory.report(msg.stats);
    reply({ type: 'workers', workers: directory.list() });
    return true;
  }
  if (msg?.type === 'reload') {
    void reloads.request().then((outcome) => reply({ type: 'reloaded', id: msg.id, ...outcome }));
    return true;
  }
  return false;
}
