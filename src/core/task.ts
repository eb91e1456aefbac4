// One scan in progress: the request, the parsed message, the score board and the per-check views handed to checks.

import type { CheckTask, CurrentVerdict } from './check.ts';
import type { Logger, ScanContext } from './context.ts';
import type { LoadedCheck } from './engine.ts';
import type { EffectiveSettings } from './settings.ts';
import type { ScoreBoard } from './scoring.ts';
import type { SymbolTable } from './symbol-table.ts';
import type { Action, ForcedAction, HeaderChange, HeaderRemoval, ScanRequest } from './types.ts';
import { actionForScore, requiredScore, severity } from './actions.ts';
import type { ParsedMessage } from '../mime/model.ts';

export class Task {
  readonly request: ScanRequest;
  readonly message: ParsedMessage | undefined;
  readonly ctx: ScanContext;
  readonly log: Logger;
  readonly board: ScoreBoard;
  readonly settings: EffectiveSettings;
  readonly shared = new Map<string, unknown>();
  readonly addHeaders: HeaderChange[] = [];
  readonly removeHeaders: HeaderRemoval[] = [];
  readonly messages: Record<string, string> = {};
  forced: ForcedAction | undefined;
  readonly #symbols: SymbolTable;

  constructor(init: {
    request: ScanRequest;
    message: ParsedMessage | undefined;
    ctx: ScanContext;
    log: Logger;
    board: ScoreBoard;
    settings: EffectiveSettings;
    symbols: SymbolTable;
  }) {
    this.request = init.request;
    this.message = init.message;
    this.ctx = init.ctx;
    this.log = init.log;
    this.board = init.board;
    this.settings = init.settings;
    this.#symbols = init.symbols;
  }

  /** Adds a hit for any known symbol, honouring the settings profile; unknown names are logged and dropped. */
  hitSymbol(owner: string, name: string, options: readonly string[] = [], multiplier = 1): void {
    const sym = this.#symbols.get(name);
    if (!sym) {
      this.log.warn({ check: owner, symbol: name }, 'check hit an undeclared symbol; ignored');
      return;
    }
    if (!this.settings.symbolEnabled(name, sym.group)) return;
    this.board.add(sym, options, multiplier, this.settings.weightOf(name));
  }

  /** Keeps the most severe forced action when several checks force one. */
  force(module: string, action: Action, message?: string): void {
    if (this.forced && severity(this.forced.action) >= severity(action)) return;
    this.forced = { action, module, message };
    if (message) this.messages.smtp_message = message;
  }

  /** The action the scan would end with now: a forced one, else the one the running score reaches. */
  currentVerdict(): CurrentVerdict {
    const score = this.board.total;
    const required = requiredScore(this.settings.thresholds);
    if (this.forced) return { score, action: this.forced.action, forced: true, requiredScore: required };
    return { score, action: actionForScore(score, this.settings.thresholds), forced: false, requiredScore: required };
  }

  /** The view a check's `run` receives: `hit` accepts only that check's symbols. */
  viewFor(check: LoadedCheck, signal: AbortSignal): CheckTask<string> {
    const task = this;
    const owner = check.def.name;
    const log = this.log.child({ check: owner });
    return {
      request: task.request,
      message: task.message,
      ctx: task.ctx,
      log,
      signal,
      shared: task.shared,
      hit(symbol, options, multiplier) {
        if (signal.aborted) return; // a timed-out check's late evidence would arrive after the verdict
        if (!check.symbols.has(symbol)) {
          log.warn({ symbol }, 'check hit a symbol it did not declare; ignored');
          return;
        }
        task.hitSymbol(owner, symbol, options, multiplier);
      },
      has: (symbol) => task.board.has(symbol),
      force: (action, message) => task.force(owner, action, message),
      addHeader: (name, value) => {
        task.addHeaders.push({ name, value });
      },
      removeHeader: (name, index) => {
        task.removeHeaders.push({ name, index });
      },
      currentVerdict: () => task.currentVerdict(),
      currentSymbols: () => Object.values(task.board.results()),
    };
  }
}
