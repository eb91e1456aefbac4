// Polling helpers for benchmarks: wait until a daemon answers or logs a line, failing early if it died.

import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import type { Daemon } from './processes.ts';

const POLL_INTERVAL_MS = 200;
const PROBE_TIMEOUT_MS = 1000;
const LOG_TAIL_CHARS = 2000;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function logTail(d: Daemon): string {
  if (!existsSync(d.logPath)) return '';
  const text = readFileSync(d.logPath, 'utf8');
  return text.slice(-LOG_TAIL_CHARS);
}

/** Polls `check` until it returns true; throws after `timeoutMs` or as soon as `daemon` exits. */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, daemon?: Daemon): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (daemon?.hasExited()) throw new Error(`${daemon.name} exited while waiting for ${what}; log tail:\n${logTail(daemon)}`);
    if (await check()) return;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${daemon ? `; ${daemon.name} log tail:\n${logTail(daemon)}` : ''}`);
    }
    await sleep(POLL_INTERVAL_MS);
  }
}

/** True when GET `url` answers 200. */
export function httpOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', timeout: PROBE_TIMEOUT_MS }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** Number of lines in `path` that match `re`. */
export function countLogLines(path: string, re: RegExp): number {
  if (!existsSync(path)) return 0;
  return readFileSync(path, 'utf8').split('\n').filter((l) => re.test(l)).length;
}
