// Runs a phase's checks concurrently as dependencies allow, whitelists first, cheapest-and-most-useful next, with early exit and timeouts.

import type { Phase } from './check.ts';
import type { Engine, LoadedCheck } from './engine.ts';
import type { Task } from './task.ts';

/** Re-rank checks after this many scans... */
export const RESORT_EVERY_SCANS = 500;
/** ...using only checks with at least this many runs; others keep a neutral prior. */
export const MIN_RUNS_FOR_STATS = 50;
/** Assumed cost of a check with no statistics yet, in milliseconds. */
const PRIOR_COST_MS = 0.1;
const PRIOR_HIT_RATE = 0.5;
/** Floor on average cost so a near-free check does not get an infinite rank. */
const MIN_COST_MS = 0.005;

export interface CheckStat {
  runs: number;
  hits: number;
  totalMs: number;
  failures: number;
}

export class Scheduler {
  readonly #engine: Engine;
  readonly #stats = new Map<string, CheckStat>();
  readonly #orders = new Map<Phase, LoadedCheck[]>();
  #scansSinceSort = 0;

  constructor(engine: Engine) {
    this.#engine = engine;
    this.#resort();
  }

  stats(): ReadonlyMap<string, CheckStat> {
    return this.#stats;
  }

  /** Current execution order of a phase. */
  order(phase: Phase): readonly LoadedCheck[] {
    return this.#orders.get(phase) ?? [];
  }

  /** Counts a finished scan and re-ranks the checks every RESORT_EVERY_SCANS scans. */
  noteScan(): void {
    if (++this.#scansSinceSort >= RESORT_EVERY_SCANS) this.#resort();
  }

  #rank(c: LoadedCheck): number {
    const s = this.#stats.get(c.def.name);
    const enough = s && s.runs >= MIN_RUNS_FOR_STATS;
    const hitRate = enough ? s.hits / s.runs : PRIOR_HIT_RATE;
    const cost = enough ? Math.max(s.totalMs / s.runs, MIN_COST_MS) : PRIOR_COST_MS;
    let maxWeight = 0;
    for (const name of c.symbols) maxWeight = Math.max(maxWeight, Math.abs(this.#engine.symbols.get(name)?.weight ?? 0));
    return (hitRate * maxWeight) / cost;
  }

  #resort(): void {
    this.#scansSinceSort = 0;
    for (const [phase, checks] of this.#engine.byPhase) {
      const ranked = checks.map((c, i) => ({ c, i, rank: this.#rank(c) }));
      ranked.sort((a, b) => Number(b.c.negative) - Number(a.c.negative) || b.rank - a.rank || a.i - b.i);
      this.#orders.set(phase, ranked.map((r) => r.c));
    }
  }

  #record(name: string, ms: number, hit: boolean, failed: boolean): void {
    let s = this.#stats.get(name);
    if (!s) this.#stats.set(name, (s = { runs: 0, hits: 0, totalMs: 0, failures: 0 }));
    s.runs++;
    s.totalMs += ms;
    if (hit) s.hits++;
    if (failed) s.failures++;
  }

  /**
   * Runs one phase. `done` holds the names of checks finished (or skipped) in this scan so far, across phases.
   * `stop` says whether the score already reached the reject threshold; from then on only whitelists start.
   */
  async runPhase(task: Task, phase: Phase, done: Set<string>, stop: () => boolean): Promise<void> {
    const waiting = this.order(phase).filter((c) => {
      const runnable = task.settings.checkEnabled(c.def.name) && (!c.def.needsMessage || task.message !== undefined);
      if (!runnable) done.add(c.def.name);
      return runnable;
    });
    const pending = new Map<string, Promise<void>>();
    const depsMet = (c: LoadedCheck) => (c.def.dependsOn ?? []).every((d) => done.has(d) || !this.#engine.checks.some((x) => x.def.name === d));

    while (waiting.length > 0) {
      let progressed = false;
      for (let i = 0; i < waiting.length; ) {
        const c = waiting[i];
        if (!depsMet(c)) {
          i++;
          continue;
        }
        waiting.splice(i, 1);
        progressed = true;
        if (stop() && !c.negative && !c.def.runsAfterEarlyExit) {
          done.add(c.def.name);
          continue;
        }
        const running = this.#runOne(task, c);
        if (running) {
          pending.set(
            c.def.name,
            running.then(() => {
              done.add(c.def.name);
              pending.delete(c.def.name);
            }),
          );
        } else {
          done.add(c.def.name);
        }
      }
      if (progressed) continue;
      if (pending.size === 0) break; // unreachable after the engine's cycle check; never spin
      await Promise.race(pending.values());
    }
    await Promise.all(pending.values());
  }

  /** Runs a check; returns a promise only when it went asynchronous, so synchronous checks cost no microtask hop. */
  #runOne(task: Task, c: LoadedCheck): Promise<void> | undefined {
    const started = performance.now();
    const controller = new AbortController();
    const finish = (failure?: string) => {
      const hit = [...c.symbols].some((s) => task.board.has(s));
      if (failure !== undefined) {
        task.hitSymbol(c.def.name, c.failSymbol, [failure]);
        task.log.warn({ check: c.def.name, reason: failure }, 'check failed; scan continues without it');
      }
      this.#record(c.def.name, performance.now() - started, hit, failure !== undefined);
    };
    let result: void | Promise<void>;
    try {
      result = c.def.run(task.viewFor(c, controller.signal), c.state, c.config);
    } catch (err) {
      finish(errorText(err));
      return undefined;
    }
    if (!(result instanceof Promise)) {
      finish();
      return undefined;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new Error(`timed out after ${c.timeoutMs} ms`));
        resolve('timeout');
      }, c.timeoutMs);
    });
    // The settled promise never rejects, so a check that fails after its timeout cannot raise an unhandled rejection.
    const settled = result.then(
      () => undefined,
      (err: unknown) => errorText(err),
    );
    return Promise.race([settled, timeout]).then((outcome) => {
      clearTimeout(timer);
      finish(outcome === 'timeout' ? `timeout after ${c.timeoutMs} ms` : outcome);
    });
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
