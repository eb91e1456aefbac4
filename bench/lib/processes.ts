// Starts benchmark daemons in their own process groups and guarantees they and their temp dirs are gone on exit, SIGINT or SIGTERM.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Time a daemon gets to stop after SIGTERM before its group gets SIGKILL. */
export const STOP_GRACE_MS = 10_000;

const groups = new Set<number>();
const tempDirs = new Set<string>();
let handlersInstalled = false;

/** Synchronous on purpose: it also runs from the `exit` event, where nothing async happens. */
function killEverything(): void {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  groups.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killEverything);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      process.stderr.write(`\n${sig}: stopping benchmark daemons\n`);
      killEverything();
      process.exit(130);
    });
  }
}

/** A temp dir removed when the process ends (or earlier with `removeTempDir`). */
export function makeTempDir(prefix: string): string {
  installHandlers();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

export interface Daemon {
  name: string;
  /** Pid of the process we started; also its process-group id. */
  pid: number;
  child: ChildProcess;
  logPath: string;
  /** Resolves with the exit code (or signal) when the process has exited. */
  exited: Promise<number | string | null>;
  hasExited(): boolean;
  /** SIGTERM to the whole group, SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** stdout and stderr go here. */
  logPath: string;
}

export function spawnDaemon(name: string, command: string, args: readonly string[], opts: SpawnOptions): Daemon {
  installHandlers();
  const fd = openSync(opts.logPath, 'a');
  // detached: a new process group, so workers it forks can be found and stopped together.
  const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  const pid = child.pid;
  groups.add(pid);
  let done = false;
  const exited = new Promise<number | string | null>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      resolve(code ?? signal);
    });
    child.once('error', () => {
      done = true;
      resolve(null);
    });
  });
  return {
    name,
    pid,
    child,
    logPath: opts.logPath,
    exited,
    hasExited: () => done,
    async stop(graceMs = STOP_GRACE_MS): Promise<void> {
      const signalGroup = (sig: NodeJS.Signals): void => {
        try {
          process.kill(-pid, sig);
        } catch {
          // The group is empty.
        }
      };
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      // Workers that outlive their primary are still in the group.
      signalGroup('SIGKILL');
      groups.delete(pid);
    },
  };
}
