// Runs Debian's postgrey in the foreground on a loopback port with a throw-away database, for the policy benchmark.

import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../lib/ports.ts';
import { makeTempDir, spawnDaemon, type Daemon } from '../lib/processes.ts';
import { waitUntil } from '../lib/wait.ts';

export const POSTGREY_BIN = '/usr/sbin/postgrey';
const POSTGREY_START_TIMEOUT_MS = 30_000;

export interface RunningPostgrey {
  daemon: Daemon;
  port: number;
  version: string;
  stop(): Promise<void>;
}

export function postgreyAvailable(): boolean {
  return existsSync(POSTGREY_BIN);
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** `delaySeconds` is postgrey's `--delay`; the database lives in a temp dir owned by the postgrey user it drops to. */
export async function startPostgrey(delaySeconds: number): Promise<RunningPostgrey> {
  const dir = makeTempDir('winnow-bench-postgrey-');
  const dbdir = join(dir, 'db');
  execFileSync('install', ['-d', '-o', 'postgrey', '-g', 'postgrey', '-m', '0700', dbdir]);
  // postgrey drops to its own user, which must be able to reach the database dir.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const daemon = spawnDaemon(
    'postgrey',
    POSTGREY_BIN,
    [`--inet=127.0.0.1:${port}`, `--dbdir=${dbdir}`, `--delay=${delaySeconds}`, '--hostname=bench.invalid'],
    { logPath: join(dir, 'postgrey.log') },
  );
  await waitUntil('postgrey port', () => portOpen(port), POSTGREY_START_TIMEOUT_MS, daemon);
  const version = /postgrey\s+([\d.]+)/i.exec(execFileSync(POSTGREY_BIN, ['--version'], { encoding: 'utf8' }))?.[1] ?? '?';
  return {
    daemon,
    port,
    version,
    stop: () => daemon.stop(),
  };
}
