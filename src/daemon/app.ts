// Wires one process's runtime from a loaded config: logger, store, DNS resolver, engine, scanner and scan recorder.

import { mkdirSync } from 'node:fs';
import type { Logger, ScanContext } from '../core/context.ts';
import { systemClock } from '../core/context.ts';
import { Engine } from '../core/engine.ts';
import { ScanRecorder } from '../core/scan-recorder.ts';
import { Scanner } from '../core/scanner.ts';
import { builtinChecks } from '../checks/index.ts';
import type { LoadedConfig } from '../config/load.ts';
import { toEngineConfig } from '../config/engine-config.ts';
import { createResolver } from '../dns/resolver.ts';
import { openStore } from '../storage/open-store.ts';
import type { Store } from '../storage/store.ts';

export interface App {
  config: LoadedConfig;
  log: Logger;
  store: Store;
  engine: Engine;
  scanner: Scanner;
  /** Present when scans are recorded (daemon); absent for one-off CLI scans. */
  recorder?: ScanRecorder;
  close(): Promise<void>;
}

export interface AppOptions {
  /** Record counters and history for each scan (the daemon does; `winnow scan` does not). */
  record: boolean;
}

export async function createApp(config: LoadedConfig, log: Logger, opts: AppOptions): Promise<App> {
  mkdirSync(config.dataDir, { recursive: true });
  const store = await openStore(config.file.store, { dataDir: config.dataDir });
  const ctx: ScanContext = { clock: systemClock, log, dns: createResolver(config.file.dns), store };
  let engine: Engine;
  try {
    engine = await Engine.create(builtinChecks, toEngineConfig(config), ctx);
  } catch (err) {
    await store.close();
    throw err;
  }
  const scanner = new Scanner(engine, ctx);
  const recorder = opts.record ? new ScanRecorder(store, log, config.file.store.history_size) : undefined;
  if (recorder) scanner.addObserver(recorder);
  return {
    config,
    log,
    store,
    engine,
    scanner,
    recorder,
    async close() {
      // Autolearn runs after replies; let it finish before the store closes under it.
      await scanner.idle();
      await recorder?.flush();
      await engine.close();
      await store.close();
    },
  };
}
