// Runs test/support/dns-server.ts as a separate process for benchmarks, so answering DNS does not share the load generator's event loop.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_DIR } from './corpus.ts';

const DNS_START_TIMEOUT_MS = 15_000;

export interface BenchDns {
  /** `127.0.0.1:PORT`, for the daemons' resolver settings. */
  address: string;
  host: string;
  port: number;
  stop(): Promise<void>;
}

/** A loopback DNS server answering NXDOMAIN to every query (no network tests reach the internet). */
export async function startNxdomainDns(): Promise<BenchDns> {
  const script = join(REPO_DIR, 'test/support/dns-server.ts');
  const child = spawn(process.execPath, [script, '--port', '0', '--nxdomain'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exitHook = (): void => void child.kill('SIGKILL');
  process.on('exit', exitHook);
  const lines = createInterface({ input: child.stdout! });
  const timer = setTimeout(() => child.kill('SIGKILL'), DNS_START_TIMEOUT_MS);
  const first = await Promise.race([
    once(lines, 'line').then(([l]) => l as string),
    once(child, 'exit').then(() => {
      throw new Error('the benchmark DNS server exited at start');
    }),
  ]);
  clearTimeout(timer);
  const m = /^listening (127\.0\.0\.1):(\d+)$/.exec(first);
  if (!m) throw new Error(`unexpected DNS server output: ${first}`);
  return {
    address: `${m[1]}:${m[2]}`,
    host: m[1],
    port: Number(m[2]),
    async stop() {
      process.off('exit', exitHook);
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
