// Test helpers for the greylist and ratelimit checks: a store whose outage can be switched on, and a repeatable scanner.

import { Scanner } from '../../core/scanner.ts';
import { fixedClock, testContext, testEngine, type TestEngineOptions } from '../../core/testing.ts';
import type { AnyCheck } from '../../core/check.ts';
import type { ScanRequest, ScanResult } from '../../core/types.ts';
import { WinnowError } from '../../errors.ts';
import type { MemoryLogger } from '../../log/memory-logger.ts';
import { createMemoryStore } from '../../storage/memory/memory-store.ts';
import type { Store } from '../../storage/store.ts';

/** 2024-03-01T12:00:00Z: whole seconds keep the delay arithmetic in assertions exact. */
export const T0 = Date.UTC(2024, 2, 1, 12);

/** A memory store whose greylist and rate stores fail every call with ERR_STORE_UNAVAILABLE while `down` is true, as an unreachable Redis does. */
export function switchableStore(inner: Store = createMemoryStore()): { store: Store; down: boolean } {
  const refuse = () => Promise.reject(new WinnowError('ERR_STORE_UNAVAILABLE', 'Redis at 127.0.0.1:6379 is not answering'));
  const failing = new Proxy({} as Record<string, unknown>, { get: (_t, p) => (p === 'whitelist' ? failing : refuse) });
  const handle = { store: inner, down: false };
  handle.store = new Proxy(inner, {
    get(obj, prop) {
      if (handle.down && (prop === 'greylist' || prop === 'rate')) return failing;
      return Reflect.get(obj, prop, obj) as unknown;
    },
  });
  return handle;
}

export interface Harness {
  clock: ReturnType<typeof fixedClock>;
  log: MemoryLogger;
  store: Store;
  scan(request: Partial<ScanRequest>, raw?: string): Promise<ScanResult>;
  close(): Promise<void>;
}

/** One engine over one store and clock for several scans, as a running daemon keeps them. */
export async function harness(checks: readonly AnyCheck[], opts: TestEngineOptions & { store?: Store; now?: number } = {}): Promise<Harness> {
  const clock = fixedClock(opts.now ?? T0);
  const store = opts.store ?? createMemoryStore();
  const ctx = testContext({ store, clock });
  const engine = await testEngine(checks, { ...opts, ctx });
  const scanner = new Scanner(engine, ctx);
  return {
    clock,
    log: ctx.log,
    store,
    scan: (request, raw) =>
      scanner.scan({ rcptTo: [], ...request, message: raw === undefined ? undefined : new TextEncoder().encode(raw) }),
    close: () => engine.close(),
  };
}
