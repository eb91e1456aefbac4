// Builds an in-process app for one-off CLI commands (scan, config check, checks): config, store, engine; no listeners.

import { builtinChecks } from '../checks/index.ts';
import { configPath, loadConfigFile } from '../config/load.ts';
import { createApp, type App } from '../daemon/app.ts';
import { createLogger } from '../log/logger.ts';

export async function loadCliApp(explicitConfig: string | undefined, verbose = false): Promise<App> {
  const config = loadConfigFile(configPath(explicitConfig), builtinChecks);
  // One-off commands keep stderr quiet unless asked: warnings still show, info does not.
  const log = createLogger(verbose ? 'debug' : 'warn', { role: 'cli' });
  return createApp(config, log, { record: false });
}
