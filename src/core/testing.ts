// Test helpers: build an engine from a few checks and scan a message, with a capturing logger and no network.

import type { AnyCheck } from './check.ts';
import type { CompositeConfig } from './composites.ts';
import type { Clock, DnsResolver, ScanContext } from './context.ts';
import { DEFAULT_THRESHOLDS } from './actions.ts';
import { Engine, type EngineConfig } from './engine.ts';
import { Scanner } from './scanner.ts';
import type { GroupLimit } from './scoring.ts';
import type { SettingsProfile } from './settings.ts';
import type { SymbolOverride } from './symbol-table.ts';
import type { ScanRequest, ScanResult, Thresholds } from './types.ts';
import { DEFAULT_MIME_LIMITS } from '../mime/model.ts';
import { MemoryLogger } from '../log/memory-logger.ts';
import type { Store } from '../storage/store.ts';

/** Answers every lookup with NXDOMAIN-like failure: unit tests of pure logic must not touch DNS. */
export const noDnsResolver: DnsResolver = {
  a: async (n) => Promise.reject(Object.assign(new Error(`no DNS in unit tests (${n})`), { code: 'ENOTFOUND' })),
  aaaa: async (n) => Promise.reject(Object.assign(new Error(`no DNS in unit tests (${n})`), { code: 'ENOTFOUND' })),
  txt: async (n) => Promise.reject(Object.assign(new Error(`no DNS in unit tests (${n})`), { code: 'ENOTFOUND' })),
  mx: async (n) => Promise.reject(Object.assign(new Error(`no DNS in unit tests (${n})`), { code: 'ENOTFOUND' })),
  ptr: async (n) => Promise.reject(Object.assign(new Error(`no DNS in unit tests (${n})`), { code: 'ENOTFOUND' })),
};

/** A store that refuses use: checks under unit test that need storage pass a real one. */
const noStore = new Proxy({} as Store, {
  get(_t, prop) {
    throw new Error(`no store in this unit test (accessed store.${String(prop)})`);
  },
});

export function fixedClock(ms: number): Clock & { set(ms: number): void } {
  let now = ms;
  return { now: () => now, set: (v: number) => void (now = v) };
}

export function testContext(overrides: Partial<ScanContext> = {}): ScanContext & { log: MemoryLogger } {
  return { clock: { now: () => Date.now() }, dns: noDnsResolver, store: noStore, log: new MemoryLogger(), ...overrides } as ScanContext & {
    log: MemoryLogger;
  };
}

export interface TestEngineOptions {
  /** Raw config blocks per check (validated by each check's schema); checks not listed get `{}`. */
  checks?: Record<string, unknown>;
  composites?: Record<string, CompositeConfig>;
  symbols?: Record<string, SymbolOverride>;
  groups?: Record<string, GroupLimit>;
  actions?: Partial<Thresholds>;
  settings?: Record<string, SettingsProfile>;
  ctx?: ScanContext;
  configDir?: string;
  /** The engine's data_dir (files checks keep state in, e.g. the spamd lists cache); a path that does not exist by default. */
  dataDir?: string;
}

export async function testEngine(checks: readonly AnyCheck[], opts: TestEngineOptions = {}): Promise<Engine> {
  const checkConfigs: Record<string, unknown> = {};
  for (const c of checks) {
    const raw = opts.checks?.[c.name] ?? {};
    checkConfigs[c.name] = c.configSchema ? c.configSchema.parse(raw) : raw;
  }
  const config: EngineConfig = {
    actions: { ...DEFAULT_THRESHOLDS, ...opts.actions },
    groups: opts.groups ?? {},
    symbols: opts.symbols ?? {},
    composites: opts.composites ?? {},
    settings: opts.settings ?? {},
    limits: DEFAULT_MIME_LIMITS,
    checks: checkConfigs,
    subjectTemplate: '***SPAM*** %s',
    dataDir: opts.dataDir ?? '/nonexistent-data-dir',
    configDir: opts.configDir ?? process.cwd(),
  };
  return Engine.create(checks, config, opts.ctx ?? testContext());
}

/** Scans `raw` with just `checks`; closes the engine afterwards. */
export async function scanWith(
  checks: readonly AnyCheck[],
  raw: string | Uint8Array | undefined,
  request: Partial<ScanRequest> = {},
  opts: TestEngineOptions = {},
): Promise<ScanResult> {
  const ctx = opts.ctx ?? testContext();
  const engine = await testEngine(checks, { ...opts, ctx });
  try {
    const message = typeof raw === 'string' ? new TextEncoder().encode(raw) : raw;
    return await new Scanner(engine, ctx).scan({ rcptTo: [], ...request, message });
  } finally {
    await engine.close();
  }
}

/** A scan result for tests of code that consumes one (adapters, recorders): `no action`, score 0, nothing hit, default thresholds. */
export function resultFixture(over: Partial<ScanResult> = {}): ScanResult {
  return {
    score: 0,
    requiredScore: DEFAULT_THRESHOLDS.reject ?? 15,
    action: 'no action',
    thresholds: { ...DEFAULT_THRESHOLDS },
    symbols: {},
    messages: {},
    addHeaders: [],
    removeHeaders: [],
    isSkipped: false,
    urls: [],
    emails: [],
    timeMs: 0,
    ...over,
  };
}
