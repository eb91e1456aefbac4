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
   * Returns a promise only when some check went asynchronous: a phase whose checks are all disabled or
   * synchronous (most phases of an envelope-only policy scan) then costs the scan no microtask hop.
   */
  runPhase(task: Task, phase: Phase, done: Set<string>, stop: () => boolean): Promise<void> | undefined {
    const waiting: LoadedCheck[] = [];
    for (const c of this.order(phase)) {
      const runnable = task.settings.checkEnabled(c.def.name) && (!c.def.needsMessage || task.message !== undefined);
      if (runnable) waiting.push(c);
      else done.add(c.def.name);
    }
    if (waiting.length === 0) return undefined;
    const pending = new Map<string, Promise<void>>();
    this.#startReady(task, waiting, pending, done, stop);
    if (waiting.length === 0 && pending.size === 0) return undefined;
    return this.#awaitPhase(task, waiting, pending, done, stop);
  }

  async #awaitPhase(task: Task, waiting: LoadedCheck[], pending: Map<string, Promise<void>>, done: Set<string>, stop: () => boolean): Promise<void> {
    while (waiting.length > 0) {
      if (pending.size === 0) break; // unreachable after the engine's cycle check; never spin
      await Promise.race(pending.values());
      this.#startReady(task, waiting, pending, done, stop);
    }
    await Promise.all(pending.values());
  }

  /** Starts every waiting check whose dependencies are done, sweeping again while that makes progress. */
  #startReady(task: Task, waiting: LoadedCheck[], pending: Map<string, Promise<void>>, done: Set<string>, stop: () => boolean): void {
    const depsMet = (c: LoadedCheck) => (c.def.dependsOn ?? []).every((d) => done.has(d) || !this.#engine.checks.some((x) => x.def.name === d));
    let progressed = true;
    while (progressed && waiting.length > 0) {
      progressed = false;
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
    }
  }

  /** Runs a check; returns a promise only when it went asynchronous, so synchronous checks cost no microtask hop. */
  #runOne(task: Task, c: LoadedCheck): Promise<void> | undefined {
    const started = performance.now();
    const controller = new AbortController();
    const finish = (failure?: string) => {
      let hit = false;
      for (const s of c.symbols) if (task.board.has(s)) hit = true;
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
    const work = result;
    // Whichever comes first, the check's outcome or its timeout, decides; the other is then ignored. (One
    // promise and a flag instead of a Promise.race of two: this runs for every asynchronous check of every scan.)
    // `finish` runs in a `then` so that anything it throws rejects the scan instead of escaping from a timer.
    return new Promise<string | undefined>((resolve) => {
      let decided = false;
      const decide = (failure: string | undefined) => {
        if (decided) return;
        decided = true;
        clearTimeout(timer);
        resolve(failure);
      };
      const timer = setTimeout(() => {
        controller.abort(new Error(`timed out after ${c.timeoutMs} ms`));
        decide(`timeout after ${c.timeoutMs} ms`);
      }, c.timeoutMs);
      // Both callbacks handle the check's promise, so a check that fails after its timeout cannot raise an unhandled rejection.
      work.then(
        () => decide(undefined),
        (err: unknown) => decide(errorText(err)),
      );
    }).then(finish);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
