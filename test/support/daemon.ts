// Starts a real `winnow serve` process for e2e tests and benchmarks, on loopback ports chosen by the OS, and stops it.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(REPO_ROOT, 'bin', 'winnow.js');
/** How long a daemon may take to report ready before the harness gives up. */
export const DAEMON_START_TIMEOUT_MS = 30_000;

export interface RunningDaemon {
  proc: ChildProcess;
  /** Listener name → `host:port` as the daemon reported it. */
  listeners: Record<string, string>;
  /** Base URL of the HTTP scan listener, e.g. `http://127.0.0.1:40123`. */
  httpUrl: string;
  controllerUrl: string;
  dataDir: string;
  configPath: string;
  /** Parsed JSON log lines the daemon wrote to stderr so far. */
  logs: Record<string, unknown>[];
  /** Resolves with the next log line whose `msg` matches. */
  waitForLog(re: RegExp, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** SIGTERM, wait for exit (SIGKILL after the timeout); returns the exit code, or the signal's name if one ended it. */
  stop(timeoutMs?: number): Promise<number | string | null>;
}

/**
 * `config` is YAML appended after the harness's own keys (data_dir and port-0 listeners); pass extra top-level keys only.
 * `workers` defaults to 2, matching the machines' core count.
 */
export async function startDaemon(opts: { config?: string; workers?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunningDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'winnow-e2e-'));
  const dataDir = join(dir, 'data');
  const configPath = join(dir, 'winnow.yaml');
  const base = [
    `data_dir: ${JSON.stringify(dataDir)}`,
    'log: { level: info }',
  ];
  const userConfig = opts.config ?? '';
  // An unreachable resolver unless the test brings its own (a loopback DNS server): never the system's.
  if (!/^dns:/m.test(userConfig)) base.push("dns: { servers: ['127.0.0.1:1'], timeout_ms: 200, tries: 1 }");
  // Port 0 cannot be used: node:cluster hands every listen(0) in a worker the same port, so two listeners would clash.
  if (!/^http:/m.test(userConfig)) base.push(`http: { listen: ['127.0.0.1:${await freePort()}'] }`);
  if (!/^controller:/m.test(userConfig)) base.push(`controller: { listen: ['127.0.0.1:${await freePort()}'] }`);
  if (!/^policy:/m.test(userConfig)) base.push(`policy: { listen: ['127.0.0.1:${await freePort()}'] }`);
  if (!/^milter:/m.test(userConfig)) base.push(`milter: { listen: ['127.0.0.1:${await freePort()}'] }`);
  if (!/^smtp_front:/m.test(userConfig)) base.push(`smtp_front: { listen: ['127.0.0.1:${await freePort()}'] }`);
  writeFileSync(configPath, `${base.join('\n')}\n${userConfig}\n`);
  const proc = spawn(process.execPath, [CLI, 'serve', '--config', configPath, '--workers', String(opts.workers ?? 2)], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const waiters: { re: RegExp; resolve: (l: Record<string, unknown>) => void }[] = [];
  let buffered = '';
  let rawErr = '';
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      try {
        const rec = JSON.parse(line) as Record<string, unknown>;
        logs.push(rec);
        for (const w of [...waiters]) {
          if (w.re.test(String(rec.msg))) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(rec);
          }
        }
      } catch {
        rawErr += line + '\n';
      }
    }
  });
  proc.stdout!.resume();
  const exited = new Promise<number | string | null>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal)));

  const waitForLog = (re: RegExp, timeoutMs = DAEMON_START_TIMEOUT_MS) => {
    const seen = logs.find((l) => re.test(String(l.msg)));
    if (seen) return Promise.resolve(seen);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no log line matching ${re} within ${timeoutMs} ms; stderr:\n${rawErr}${JSON.stringify(logs.slice(-10))}`)), timeoutMs);
      waiters.push({
        re,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`daemon exited with code ${code} while waiting for ${re}; stderr:\n${rawErr}${JSON.stringify(logs.slice(-10))}`));
      });
    });
  };

  const stop = async (timeoutMs = 15_000) => {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      rmSync(dir, { recursive: true, force: true });
      return proc.exitCode ?? proc.signalCode;
    }
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    const code = await exited;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
    return code;
  };

  let ready: Record<string, unknown>;
  try {
    ready = await waitForLog(/ready:/);
  } catch (err) {
    await stop();
    throw err;
  }
  const listeners: Record<string, string> = {};
  for (const l of ready.listeners as { name: string; address: string }[]) listeners[l.name] ??= l.address;
  return {
    proc,
    listeners,
    httpUrl: `http://${listeners.http}`,
    controllerUrl: `http://${listeners.controller}`,
    dataDir,
    configPath,
    logs,
    waitForLog,
    stop,
  };
}

/** A loopback TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
