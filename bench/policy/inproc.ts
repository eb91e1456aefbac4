// Profiling aid: winnow's policy listener and app in ONE process (no primary/worker IPC), load from a child process; prints server CPU µs per request.

import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { PerformanceObserver } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { builtinChecks } from '../../src/checks/index.ts';
import { loadConfigFile } from '../../src/config/load.ts';
import { createApp } from '../../src/daemon/app.ts';
import { listenerSpecs } from '../../src/daemon/listeners.ts';
import { createLogger } from '../../src/log/logger.ts';
import { intArg } from '../lib/args.ts';
import { makeTempDir } from '../lib/processes.ts';
import { runPass, triplets } from './load.ts';
import { deleteRedisKeys } from './redis-keys.ts';

const USAGE = `usage: node [--cpu-prof] [--max-semi-space-size=8] bench/policy/inproc.ts [--store sqlite|redis] [--checks greylist|none] [--requests N] [--rounds N]
  Runs the policy server in this process and the load generator in a child; repeat --rounds times
  (new triplets, a pause of the greylisting delay, their retries) and print server CPU µs/request per round.`;

/** Greylisting delay: short, so the retry pass can follow quickly. */
const DELAY_S = 1;
const CONNECTIONS = 8;
const WARMUP = 400;

type LoadMessage = { port: number; requests: number; rounds: number; salt: string };

/** Child side: drives the load and asks the parent (the server) for its CPU time around each timed pass. */
async function loadChild(): Promise<void> {
  const m = await new Promise<LoadMessage>((resolve) => process.once('message', (x) => resolve(x as LoadMessage)));
  const target = { host: '127.0.0.1', port: m.port };
  const cpu = () =>
    new Promise<[number, number, number]>((resolve) => {
      process.once('message', (x) => resolve(x as [number, number, number]));
      process.send?.('cpu');
    });
  await runPass(target, CONNECTIONS, triplets(WARMUP, `${m.salt}w`));
  for (let r = 0; r < m.rounds; r++) {
    // Each round in other client networks (second octet shifted), so passes do not add up to auto-whitelisting
    // across rounds: every round does the same work as run.ts's single pass pair.
    const stream = triplets(Math.ceil(m.requests / 2), `${m.salt}r${r}`).map((t) => {
      const [a, b, ...rest] = t.client_address.split('.');
      return { ...t, client_address: [a, Number(b) + 4 * (r + 1), ...rest].join('.') };
    });
    let userMs = 0;
    let systemMs = 0;
    let gcMs = 0;
    let elapsedMs = 0;
    for (const pass of ['new', 'retry']) {
      if (pass === 'retry') await sleep(DELAY_S * 1000 + 500);
      const before = await cpu();
      const res = await runPass(target, CONNECTIONS, stream);
      const after = await cpu();
      userMs += after[0] - before[0];
      systemMs += after[1] - before[1];
      gcMs += after[2] - before[2];
      elapsedMs += res.elapsedMs;
    }
    const reqs = stream.length * 2;
    console.log(`round ${r + 1}: ${((reqs * 1000) / elapsedMs).toFixed(0)} req/s, server CPU ${(((userMs + systemMs) * 1000) / reqs).toFixed(0)} µs/req (user ${((userMs * 1000) / reqs).toFixed(0)}, system ${((systemMs * 1000) / reqs).toFixed(0)}; GC pauses ${((gcMs * 1000) / reqs).toFixed(0)}) (load ${loadavg()[0].toFixed(2)})`);
  }
  process.send?.('done');
}

async function server(): Promise<void> {
  const { values } = parseArgs({
    options: { store: { type: 'string' }, checks: { type: 'string' }, requests: { type: 'string' }, rounds: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) return void console.log(USAGE);
  const dir = makeTempDir('winnow-bench-inproc-');
  const checks = values.checks === 'none' ? [] : ['greylist'];
  const prefix = `winnow-bench-inproc-${process.pid}:`;
  const store = values.store === 'redis' ? { backend: 'redis', host: '127.0.0.1', port: 6379, prefix } : { backend: 'sqlite' };
  const configPath = join(dir, 'winnow.yaml');
  writeFileSync(
    configPath,
    stringify({
      data_dir: join(dir, 'data'),
      store,
      dns: { servers: ['127.0.0.1:9'] },
      policy: { listen: ['127.0.0.1:0'], settings_id: 'bench_policy' },
      settings: { bench_policy: { checks_enabled: checks } },
      checks: { greylist: { enabled: true, delay_s: DELAY_S } },
    }),
  );
  const config = loadConfigFile(configPath, builtinChecks);
  const app = await createApp(config, createLogger('warn'), { record: true });
  const spec = listenerSpecs(app).find((s) => s.name === 'policy');
  if (!spec) throw new Error('no policy listener');
  const srv = spec.createServer(app);
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  const child = fork(import.meta.filename, ['--load-child'], { stdio: 'inherit' });
  // GC pauses on the main thread, summed: the daemon's workers run with a small young generation (primary.ts).
  let gcMs = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  }).observe({ entryTypes: ['gc'] });
  child.on('message', (m) => {
    if (m === 'cpu') {
      const u = process.cpuUsage();
      child.send([u.user / 1000, u.system / 1000, gcMs]);
    } else if (m === 'done') {
      child.disconnect();
      srv.close();
      void app
        .close()
        .then(async () => {
          if (values.store === 'redis') console.log(`redis: deleted ${await deleteRedisKeys(prefix)} keys under ${prefix}`);
        })
        .then(() => process.exit(0));
    }
  });
  child.send({ port, requests: intArg('requests', values.requests, 4000, 2), rounds: intArg('rounds', values.rounds, 3, 1), salt: Date.now().toString(36) } satisfies LoadMessage);
}

if (process.argv.includes('--load-child')) void loadChild();
else
  server().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
