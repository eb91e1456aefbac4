// Loads the enabled checks with their validated config, resolves the symbol table and compiles composites.

import { failSymbolName, PHASES, type AnyCheck, type Phase, type SymbolDecl } from './check.ts';
import { compileComposites, type CompiledComposite, type CompositeConfig } from './composites.ts';
import type { ScanContext } from './context.ts';
import type { GroupLimit } from './scoring.ts';
import type { SettingsProfile } from './settings.ts';
import { SymbolTable, type SymbolOverride } from './symbol-table.ts';
import type { Thresholds } from './types.ts';
import { DEFAULT_MIME_LIMITS, type MimeLimits } from '../mime/model.ts';

/** The part of the resolved configuration the scan engine needs. */
export interface EngineConfig {
  actions: Thresholds;
  groups: Record<string, GroupLimit>;
  symbols: Record<string, SymbolOverride>;
  composites: Record<string, CompositeConfig>;
  settings: Record<string, SettingsProfile>;
  limits: MimeLimits;
  /** Each check's validated config block, keyed by check name; a check absent here is disabled. */
  checks: Record<string, unknown>;
  /** `%s` is replaced by the original subject when the action is `rewrite subject`. */
  subjectTemplate: string;
  dataDir: string;
  configDir: string;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 5_000;

export interface LoadedCheck {
  def: AnyCheck;
  config: unknown;
  state: unknown;
  symbols: Set<string>;
  failSymbol: string;
  /** Checks with a negative-weight symbol (whitelists) run first and are never skipped. */
  negative: boolean;
  timeoutMs: number;
}

export class Engine {
  readonly config: EngineConfig;
  readonly symbols: SymbolTable;
  readonly checks: LoadedCheck[];
  readonly byPhase: Map<Phase, LoadedCheck[]>;
  readonly composites: CompiledComposite[];
  /** Overrides that named no known symbol, for the config checker to report. */
  readonly unknownOverrides: string[];

  private constructor(config: EngineConfig, symbols: SymbolTable, checks: LoadedCheck[], composites: CompiledComposite[], unknown: string[]) {
    this.config = config;
    this.symbols = symbols;
    this.checks = checks;
    this.composites = composites;
    this.unknownOverrides = unknown;
    this.byPhase = new Map(PHASES.map((p) => [p, checks.filter((c) => c.def.phase === p)]));
  }

  /** Sets up every enabled check; if one fails, the ones already set up are closed and the error names the check. */
  static async create(available: readonly AnyCheck[], config: EngineConfig, ctx: ScanContext): Promise<Engine> {
    const symbols = new SymbolTable();
    const loaded: LoadedCheck[] = [];
    try {
      for (const def of available) {
        if (!(def.name in config.checks)) continue;
        const checkConfig = config.checks[def.name];
        const state = def.setup
          ? await def.setup({ config: checkConfig, log: ctx.log.child({ check: def.name }), ctx, dataDir: config.dataDir, configDir: config.configDir })
          : undefined;
        const decls: Record<string, SymbolDecl> = typeof def.symbols === 'function' ? def.symbols(checkConfig, state) : def.symbols;
        const failSymbol = failSymbolName(def.name);
        symbols.declare(def.name, decls);
        symbols.declare(def.name, {
          [failSymbol]: { weight: 0, description: `The ${def.name} check failed or timed out`, group: 'fail' },
        });
        loaded.push({
          def,
          config: checkConfig,
          state,
          symbols: new Set([...Object.keys(decls), failSymbol]),
          failSymbol,
          negative: false,
          timeoutMs: def.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS,
        });
      }
      for (const [name, c] of Object.entries(config.composites)) {
        symbols.declare('composites', { [name]: { weight: c.weight, description: c.description ?? `Composite: ${c.expression}`, group: c.group ?? 'composite' } });
      }
      const unknown = symbols.override(config.symbols);
      for (const c of loaded) c.negative = [...c.symbols].some((s) => (symbols.get(s)?.weight ?? 0) < 0);
      const composites = compileComposites(config.composites, symbols);
      checkDependencies(loaded);
      return new Engine(config, symbols, loaded, composites, unknown);
    } catch (err) {
      await closeAll(loaded);
      throw err;
    }
  }

  async close(): Promise<void> {
    await closeAll(this.checks);
  }
}

function checkDependencies(checks: LoadedCheck[]): void {
  const names = new Map(checks.map((c) => [c.def.name, c]));
  for (const c of checks) {
    for (const dep of c.def.dependsOn ?? []) {
      const d = names.get(dep);
      if (!d) continue; // a disabled dependency just means the dependent check runs without its evidence
      if (PHASES.indexOf(d.def.phase) > PHASES.indexOf(c.def.phase)) {
        throw new Error(`check ${c.def.name} (phase ${c.def.phase}) depends on ${dep}, which runs later (phase ${d.def.phase})`);
      }
    }
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (c: LoadedCheck, path: string[]): void => {
    const s = state.get(c.def.name);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error(`checks depend on each other in a cycle: ${[...path, c.def.name].join(' -> ')}`);
    state.set(c.def.name, 'visiting');
    for (const dep of c.def.dependsOn ?? []) {
      const d = names.get(dep);
      if (d) visit(d, [...path, c.def.name]);
    }
    state.set(c.def.name, 'done');
  };
  for (const c of checks) visit(c, []);
}

async function closeAll(checks: LoadedCheck[]): Promise<void> {
  for (const c of checks) {
    try {
      await c.def.close?.(c.state);
    } catch {
      // closing is best effort: a failing close must not hide the error that triggered it
    }
  }
}

export { DEFAULT_MIME_LIMITS };
