// The one scan pipeline: ScanRequest → parsed message → Task → phases → composites → action → ScanResult.

import { PHASES } from './check.ts';
import { actionForScore, requiredScore, severity } from './actions.ts';
import { applyComposites } from './composites.ts';
import type { Logger, ScanContext } from './context.ts';
import type { Engine } from './engine.ts';
import { Scheduler } from './scheduler.ts';
import { ScoreBoard } from './scoring.ts';
import { EffectiveSettings } from './settings.ts';
import { Task } from './task.ts';
import type { ScanRequest, ScanResult } from './types.ts';
import type { ParsedMessage } from '../mime/model.ts';
import { parseMessage } from '../mime/parse.ts';

/** Receives every finished scan (counters, history); must not throw into the scan. */
export interface ScanObserver {
  observe(request: ScanRequest, result: ScanResult, message: ParsedMessage | undefined): void;
}

export class Scanner {
  readonly engine: Engine;
  readonly scheduler: Scheduler;
  readonly #ctx: ScanContext;
  readonly #observers: ScanObserver[] = [];
  readonly #background = new Set<Promise<void>>();

  constructor(engine: Engine, ctx: ScanContext) {
    this.engine = engine;
    this.#ctx = ctx;
    this.scheduler = new Scheduler(engine);
  }

  addObserver(o: ScanObserver): void {
    this.#observers.push(o);
  }

  async scan(request: ScanRequest): Promise<ScanResult> {
    const started = performance.now();
    const config = this.engine.config;
    const log = this.#ctx.log.child(request.queueId ? { queueId: request.queueId } : {});
    let profile = request.settings;
    if (profile === undefined && request.settingsId) {
      profile = config.settings[request.settingsId];
      if (!profile) log.warn({ settingsId: request.settingsId }, 'unknown settings id; scanning with defaults');
    }
    const settings = new EffectiveSettings(config.actions, profile);
    const message = request.message ? await parseMessage(request.message, config.limits) : undefined;
    const board = new ScoreBoard(config.groups);
    const task = new Task({ request, message, ctx: this.#ctx, log, board, settings, symbols: this.engine.symbols });

    const rejectAt = settings.thresholds.reject;
    const stop = () =>
      !request.passAll &&
      ((task.forced !== undefined && severity(task.forced.action) >= severity('reject')) ||
        (rejectAt !== null && board.total >= rejectAt));
    const done = new Set<string>();
    for (const phase of PHASES) {
      if (phase === 'composite') {
        applyComposites(this.engine.composites, board, this.engine.symbols, (name) =>
          settings.symbolEnabled(name, this.engine.symbols.get(name)?.group ?? 'composite'),
        );
      }
      const running = this.scheduler.runPhase(task, phase, done, stop);
      if (running) await running;
    }
    this.scheduler.noteScan();

    const score = round(board.total);
    const action = task.forced?.action ?? actionForScore(score, settings.thresholds);
    const result: ScanResult = {
      score,
      requiredScore: requiredScore(settings.thresholds),
      action,
      thresholds: settings.thresholds,
      symbols: board.results(),
      messages: task.messages,
      addHeaders: task.addHeaders,
      removeHeaders: task.removeHeaders,
      messageId: message?.messageId,
      forced: task.forced,
      isSkipped: false,
      urls: message ? [...new Set(message.urls.map((u) => u.host).filter(Boolean))] : [],
      emails: message?.emails ?? [],
      timeMs: performance.now() - started,
    };
    if (action === 'rewrite subject') result.subject = config.subjectTemplate.replace('%s', message?.subject ?? '');
    for (const o of this.#observers) {
      try {
        o.observe(request, result, message);
      } catch (err) {
        log.error({ err: String(err) }, 'scan observer failed');
      }
    }
    this.#afterScan(request, message, result, settings, log);
    return result;
  }

  /** Resolves when every check's after-scan work started so far has finished (tests, graceful shutdown). */
  async idle(): Promise<void> {
    while (this.#background.size > 0) await Promise.all(this.#background);
  }

  #afterScan(request: ScanRequest, message: ParsedMessage | undefined, result: ScanResult, settings: EffectiveSettings, log: Logger): void {
    for (const c of this.engine.checks) {
      if (!c.def.afterScan || !settings.checkEnabled(c.def.name)) continue;
      const checkLog = log.child({ check: c.def.name });
      let work: void | Promise<void>;
      try {
        work = c.def.afterScan({ request, message, result, log: checkLog }, c.state, c.config);
      } catch (err) {
        checkLog.error({ err: String(err) }, 'after-scan work failed');
        continue;
      }
      if (!(work instanceof Promise)) continue;
      const tracked: Promise<void> = work
        .catch((err: unknown) => checkLog.error({ err: String(err) }, 'after-scan work failed'))
        .finally(() => this.#background.delete(tracked));
      this.#background.add(tracked);
    }
  }
}

/** Scores are sums of floats; six decimals is what rspamd prints and what the tests compare. */
function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
