// How a check declares itself: symbols, phase, dependencies, timeout, config schema, and its run function.

import type { z } from 'zod';
import type { Action } from './types.ts';
import type { ParsedMessage } from '../mime/model.ts';
import type { ScanRequest, ScanResult, SymbolResult } from './types.ts';
import type { ScanContext, Logger } from './context.ts';

export const PHASES = ['connect', 'prefilter', 'filter', 'classifier', 'composite', 'postfilter'] as const;
export type Phase = (typeof PHASES)[number];

export interface SymbolDecl {
  /** Default weight; a config `symbols:` entry can override it. */
  weight: number;
  description: string;
  /** Symbol group for per-group score caps; defaults to the check name. */
  group?: string;
}

/** What `run` sees: the request, the parsed message and a `hit` that only accepts the check's own symbols. */
export interface CheckTask<S extends string> {
  readonly request: ScanRequest;
  /** Parsed message, or undefined for envelope-only requests. */
  readonly message: ParsedMessage | undefined;
  readonly ctx: ScanContext;
  readonly log: Logger;
  /** Aborted when the check's timeout expires or the scan is cancelled. */
  readonly signal: AbortSignal;
  /** Records evidence. `multiplier` scales the weight (e.g. by a probability). */
  hit(symbol: S, options?: readonly string[], multiplier?: number): void;
  /** True when `symbol` (any check's) has been hit so far in this scan. */
  has(symbol: string): boolean;
  /** Forces the action regardless of score (GTUBE, hard whitelists). */
  force(action: Action, message?: string): void;
  /** Adds a header for the MTA to insert. */
  addHeader(name: string, value: string): void;
  /** Asks the MTA to remove a header: `index` 0 every occurrence, N > 0 the N-th, -N the N-th from the end. */
  removeHeader(name: string, index: number): void;
  /**
   * The verdict if the scan ended now: the running score and the action it would get (a forced one, else by
   * threshold). Read-only; postfilter checks use it (greylisting only in the greylist score band).
   */
  currentVerdict(): CurrentVerdict;
  /** The symbols hit so far with their scores, for checks that report the verdict (spam headers). */
  currentSymbols(): SymbolResult[];
  /** Per-scan scratch space shared between checks (e.g. an SPF result for greylisting). */
  readonly shared: Map<string, unknown>;
}

/** See `CheckTask.currentVerdict`. */
export interface CurrentVerdict {
  score: number;
  action: Action;
  /** True when `action` was forced by a check rather than reached by score. */
  forced: boolean;
  /** The reject threshold in force, or the highest one set (the result's `requiredScore`). */
  requiredScore: number;
}

/** What `afterScan` sees: the request, its parsed message and the final result. */
export interface AfterScan {
  readonly request: ScanRequest;
  readonly message: ParsedMessage | undefined;
  readonly result: ScanResult;
  readonly log: Logger;
}

export interface CheckSetup<C> {
  config: C;
  log: Logger;
  ctx: ScanContext;
  /** Data directory of the daemon, for checks that keep files. */
  dataDir: string;
  /** Directory of the config file, to resolve relative paths. */
  configDir: string;
}

export interface CheckDefinition<S extends string = string, C = unknown, St = undefined> {
  /** kebab-case name, also the config key under `checks:`. */
  name: string;
  description: string;
  phase: Phase;
  /** Names of checks that must finish before this one starts. */
  dependsOn?: readonly string[];
  /** Budget for one run; on expiry the check's FAIL symbol is added and the scan goes on. */
  timeoutMs?: number;
  /** Set false for checks an admin must switch on (`checks.<name>.enabled: true`). */
  enabledByDefault?: boolean;
  /** Skip the check for envelope-only requests. */
  needsMessage?: boolean;
  /**
   * Run even after the scan stopped early (reject score reached, or a reject forced): for cheap checks that
   * only report the final verdict, whose output a quarantined or released message still needs.
   */
  runsAfterEarlyExit?: boolean;
  /** Schema of this check's config block; its defaults are the check's defaults. */
  configSchema?: z.ZodType<C>;
  /** Symbols it may hit; a function (called after setup) when they come from config or files (rules, multimap). */
  symbols: Record<S, SymbolDecl> | ((config: C, state: St) => Record<string, SymbolDecl>);
  /** Called once per (re)load; the returned state is passed to every run. */
  setup?(env: CheckSetup<C>): St | Promise<St>;
  run(task: CheckTask<S>, state: St, config: C): void | Promise<void>;
  /**
   * Called once the scan's result is final, without delaying the reply (autolearn, statistics). Not
   * awaited by the scan; a rejection is logged. Skipped when the check was disabled for the scan.
   */
  afterScan?(scan: AfterScan, state: St, config: C): void | Promise<void>;
  /** Releases what setup acquired (watchers, handles). */
  close?(state: St): void | Promise<void>;
}

/** Identity helper that makes the compiler check `hit()` against the declared symbol names. */
export function defineCheck<S extends string, C = Record<string, never>, St = undefined>(
  def: CheckDefinition<S, C, St>,
): CheckDefinition<S, C, St> {
  return def;
}

/**
 * Name of the weight-0 symbol added when a check throws or times out: `HEADER_SANITY_CHECK_FAIL` for `header-sanity`.
 * The `_CHECK_` part keeps it apart from verdict symbols such as `R_SPF_FAIL`.
 */
export function failSymbolName(checkName: string): string {
  return `${checkName.replace(/-/g, '_').toUpperCase()}_CHECK_FAIL`;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCheck = CheckDefinition<string, any, any>;
