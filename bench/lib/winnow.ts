// Runs `winnow serve` from this checkout with a throw-away config and data dir, on loopback ports, for benchmarks.

import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { REPO_DIR } from './corpus.ts';
import { freePort } from './ports.ts';
import { makeTempDir, spawnDaemon, type Daemon } from './processes.ts';
import { httpOk, waitUntil } from './wait.ts';

/** Workers start, load checks and open the store; generous for a loaded 2-core machine. */
const WINNOW_START_TIMEOUT_MS = 60_000;
export const WINNOW_CLI = join(REPO_DIR, 'src/cli/main.ts');

export interface WinnowOptions {
  /** `127.0.0.1:PORT` of the DNS server every lookup must go to. */
  dnsAddress: string;
  workers: number;
  /** Extra top-level config keys (e.g. `log`, `checks`), merged over the bench's own. */
  extraConfig?: Record<string, unknown>;
}

export interface RunningWinnow {
  daemon: Daemon;
  scanUrl: string;
  controllerUrl: string;
  dir: string;
  configPath: string;
  stop(): Promise<void>;
}

export function winnowAvailable(): boolean {
  return existsSync(WINNOW_CLI);
}

export async function startWinnow(o: WinnowOptions): Promise<RunningWinnow> {
  const dir = makeTempDir('winnow-bench-winnow-');
  const http = await freePort();
  const controller = await freePort();
  const config = {
    data_dir: join(dir, 'data'),
    workers: o.workers,
    dns: { servers: [o.dnsAddress] },
    http: { listen: [`127.0.0.1:${http}`] },
    controller: { listen: [`127.0.0.1:${controller}`] },
    // Listeners with fixed default ports stay off unless the bench configures them: they could clash with a peer.
    policy: { enabled: false },
    milter: { enabled: false },
    smtp_front: { enabled: false },
    ...o.extraConfig,
  };
  const configPath = join(dir, 'winnow.yaml');
  writeFileSync(configPath, stringify(config));
  // process.execPath: the pinned Node 24 this benchmark runs on (the system node is too old).
  const daemon = spawnDaemon('winnow', process.execPath, [...(process.env.WINNOW_BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), WINNOW_CLI, 'serve', '--config', configPath], {
    cwd: REPO_DIR,
    logPath: join(dir, 'winnow.log'),
    env: { ...process.env, WINNOW_CONFIG: configPath, WINNOW_DATA_DIR: join(dir, 'data') },
  });
  const scanUrl = `http://127.0.0.1:${http}`;
  await waitUntil('winnow /ping', () => httpOk(`${scanUrl}/ping`), WINNOW_START_TIMEOUT_MS, daemon);
  return { daemon, scanUrl, controllerUrl: `http://127.0.0.1:${controller}`, dir, configPath, stop: () => daemon.stop() };
}
