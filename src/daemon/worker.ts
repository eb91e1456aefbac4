// One worker process: builds the app, binds every enabled listener (sockets shared through node:cluster) and drains on shutdown.

import type { Server } from 'node:net';
import { createApp, type App } from './app.ts';
import { listenerSpecs } from './listeners.ts';
import { startWorkerLink } from './worker-link.ts';
import type { FromPrimary, ListenerInfo, ToPrimary } from './messages.ts';
import { builtinChecks } from '../checks/index.ts';
import { loadConfigFile } from '../config/load.ts';
import { createLogger } from '../log/logger.ts';
import { describeAddress, listenOn, parseListenAddress } from '../net/listen-address.ts';

/** In-flight work gets this long to finish after a shutdown request before the worker exits anyway. */
export const SHUTDOWN_GRACE_MS = 10_000;

function send(msg: ToPrimary): void {
  process.send?.(msg);
}

export async function runWorker(configPath: string | undefined, generation: number): Promise<void> {
  let app: App | undefined;
  const servers: { name: string; server: Server; drain: (s: Server) => Promise<void> }[] = [];
  try {
    const config = loadConfigFile(configPath, builtinChecks);
    const log = createLogger(config.file.log.level, { worker: generation });
    app = await createApp(config, log, { record: true });
    // Before the listeners: the controller's wiring reads the link (reloads, the worker list).
    startWorkerLink(generation, app.scanner);
    const listeners: ListenerInfo[] = [];
    for (const spec of listenerSpecs(app)) {
      if (!spec.enabled) continue;
      for (const address of spec.listen) {
        const server = spec.createServer(app);
        await listenOn(server, parseListenAddress(address));
        servers.push({ name: spec.name, server, drain: spec.drain });
        listeners.push({ name: spec.name, address: describeAddress(server) });
      }
    }
    send({ type: 'ready', listeners, store: (await app.store.health()).detail, checks: app.engine.checks.length });
  } catch (err) {
    send({ type: 'fatal', error: err instanceof Error ? err.message : String(err) });
    await app?.close().catch(() => undefined);
    process.exit(1);
  }

  let stopping = false;
  process.on('message', (msg: FromPrimary) => {
    if (msg?.type !== 'shutdown' || stopping) return;
    stopping = true;
    void drain(app!, servers).then(() => process.exit(0));
  });
  // The primary handles signals; a worker only leaves when told to, or when its primary is gone.
  process.on('SIGTERM', () => undefined);
  process.on('SIGINT', () => undefined);
  process.on('disconnect', () => {
    if (!stopping) void drain(app!, servers).then(() => process.exit(0));
  });
}

/** Stops accepting, lets open connections finish (each protocol bounds its own grace, SHUTDOWN_GRACE_MS bounds all), then flushes and closes the store. */
async function drain(app: App, servers: { server: Server; drain: (s: Server) => Promise<void> }[]): Promise<void> {
  const closed = servers.map(({ server, drain: drainServer }) => drainServer(server));
  const timer = setTimeout(() => {
    app.log.warn({ graceMs: SHUTDOWN_GRACE_MS }, 'in-flight requests did not finish in time; exiting anyway');
    process.exit(0);
  }, SHUTDOWN_GRACE_MS);
  timer.unref();
  await Promise.all(closed);
  await app.close().catch((err: unknown) => app.log.error({ err: String(err) }, 'error while closing'));
}
