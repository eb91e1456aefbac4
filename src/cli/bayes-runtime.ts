// Opens what `winnow classify` and `winnow learn` need, and nothing else: the config, the store and the Bayes service built exactly as the bayes check builds it.

import { isAbsolute, resolve } from 'node:path';
import { builtinChecks } from '../checks/index.ts';
import { BAYES_CHECK_NAME } from '../checks/bayes/index.ts';
import { bayesConfigSchema, serviceConfig, type BayesCheckConfig } from '../checks/bayes/config.ts';
import { createBayesService } from '../classifier/bayes-service.ts';
import type { BayesService } from '../classifier/service-types.ts';
import { configPath, loadConfigFile, type LoadedConfig } from '../config/load.ts';
import { isWinnowError, WinnowError } from '../errors.ts';
import { toEngineConfig } from '../config/engine-config.ts';
import { systemClock } from '../core/context.ts';
import type { MimeLimits } from '../mime/model.ts';
import { openStore } from '../storage/open-store.ts';
import type { Store } from '../storage/store.ts';

export interface BayesRuntime {
  config: LoadedConfig;
  bayesConfig: BayesCheckConfig;
  store: Store;
  service: BayesService;
  /** The configured MIME limits, so the CLI parses a message exactly as the scanner would. */
  limits: MimeLimits;
  close(): Promise<void>;
}

/** The bayes check's config block, or its defaults when the check is disabled (its statistics still exist). */
export function bayesConfigOf(config: LoadedConfig): BayesCheckConfig {
  return (config.checks[BAYES_CHECK_NAME] as BayesCheckConfig | undefined) ?? bayesConfigSchema.parse({});
}

/** Where the statistics live, for error messages: `SQLite store /var/lib/winnow/winnow.sqlite`, `Redis store 127.0.0.1:6379`. */
export function storeLabel(config: LoadedConfig): string {
  const s = config.file.store as { backend?: string; path?: string; host?: string; port?: number; url?: string; mode?: string };
  if (s.backend === 'redis') return `Redis store ${s.url ?? (s.mode && s.mode !== 'standalone' ? s.mode : `${s.host ?? '127.0.0.1'}:${s.port ?? 6379}`)}`;
  const path = s.path ?? 'winnow.sqlite';
  return `SQLite store ${isAbsolute(path) ? path : resolve(config.dataDir, path)}`;
}

/** Our store errors keep their code and gain the store's location, so "unable to open database file" says which file. */
export function withStoreLabel(err: unknown, config: LoadedConfig): unknown {
  if (!isWinnowError(err) || !err.code.startsWith('ERR_STORE_')) return err;
  const label = storeLabel(config);
  return err.message.includes(label.replace(/^\S+ store /, '')) ? err : new WinnowError(err.code, `${label}: ${err.message}`, { cause: err });
}

/** No full engine (no DNS resolver, no other checks): classify and learn start fast, as a procmail filter must. */
export async function openBayesRuntime(explicitConfig: string | undefined): Promise<BayesRuntime> {
  const config = loadConfigFile(configPath(explicitConfig), builtinChecks);
  const bayesConfig = bayesConfigOf(config);
  const store = await openStore(config.file.store, { dataDir: config.dataDir }).catch((err: unknown) => {
    throw withStoreLabel(err, config);
  });
  const service = createBayesService(store, serviceConfig(bayesConfig), systemClock);
  return {
    config,
    bayesConfig,
    store,
    service,
    limits: toEngineConfig(config).limits,
    close: () => store.close(),
  };
}
