// SMTP front bench: holds thousands of tarpitted connections and reports the daemon's memory per held connection and its CPU while holding them, then greylist decisions per second for new clients.

import { writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { measureCpuPercent } from '../lib/cpu.ts';
import { freePort } from '../lib/ports.ts';
import { makeTempDir } from '../lib/processes.ts';
import { treeMemory } from '../lib/rss.ts';
import { formatTable } from '../lib/table.ts';
import { startWinnow } from '../lib/winnow.ts';
import { FrontClient } from '../../src/protocols/smtp-front/test-client.ts';
import { intArg } from '../lib/args.ts';

/** The targets. */
const TARGET_HELD = 5000;
const TARGET_BYTES_PER_HELD = 20 * 1024;
const TARGET_CPU_PERCENT = 10;
const DEFAULTS = { held: TARGET_HELD, workers: 1, holdSeconds: 10, grey: 2000, concurrency: 32, stutterMs: 1000 };
/** Connections per source address (the front's max_per_ip default is 50). */
const PER_SOURCE = 20;
/** Connects in flight at once while filling the tarpit. */
const CONNECT_BATCH = 250;
/** After the tarpit is full, time for allocations to settle before memory is read. */
const SETTLE_MS = 5000;
const FIRST_BYTE_TIMEOUT_MS = 30_000;

const USAGE = `usage: node bench/smtp-front/run.ts [options]
  --held N          tarpitted connections to hold (default ${DEFAULTS.held})
  --workers N       winnow worker processes (default ${DEFAULTS.workers})
  --hold-seconds S  CPU is measured over this long while they are held (default ${DEFAULTS.holdSeconds})
  --grey N          greylisted sessions (connect, HELO, MAIL, RCPT, DATA → 451) for the decision rate (default ${DEFAULTS.grey})
  --concurrency N   greylisted sessions at once (default ${DEFAULTS.concurrency})
  --stutter-ms N    stutter delay (default ${DEFAULTS.stutterMs}, spamd's 1 s)
  --check           exit 1 when a target is missed (< ${TARGET_BYTES_PER_HELD / 1024} KB per held connection, < ${TARGET_CPU_PERCENT}% CPU)`;

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

/** Loopback source address number `i` in 127.<base>.0.0/16 (skipping .0 and .255 host parts). */
function source(base: number, i: number): string {
  return `127.${base}.${1 + Math.floor(i / 254)}.${1 + (i % 254)}`;
}

/** Connects from `local` and resolves once the first banner character arrived (the tarpit holds it from then on). */
function holdOne(port: number, local: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, localAddress: local });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no banner byte from the front within ${FIRST_BYTE_TIMEOUT_MS} ms`));
    }, FIRST_BYTE_TIMEOUT_MS);
    s.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    s.once('data', () => {
      clearTimeout(timer);
      s.on('data', () => undefined); // keep reading what the tarpit trickles out, as a real client would
      resolve(s);
    });
  });
}

async function fillTarpit(port: number, n: number): Promise<Socket[]> {
  const held: Socket[] = [];
  for (let i = 0; i < n; i += CONNECT_BATCH) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + CONNECT_BATCH); j++) batch.push(holdOne(port, source(1, Math.floor(j / PER_SOURCE))));
    held.push(...(await Promise.all(batch)));
  }
  return held;
}

/** One greylisted session from a new client and tuple; resolves with the DATA reply code. */
async function greySession(port: number, i: number): Promise<number> {
  const c = await FrontClient.connect(port, '127.0.0.1', source(2, i % 5000));
  try {
    await c.reply();
    await c.command('HELO client.bench.example');
    await c.command(`MAIL FROM:<s${i}@sender.bench.example>`);
    await c.command(`RCPT TO:<r${i}@example.org>`);
    return (await c.command('DATA')).code;
  } finally {
    c.close();
  }
}

async function greyRate(port: number, total: number, concurrency: number): Promise<{ sessions: number; ms: number; wrong: number }> {
  let next = 0;
  let wrong = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) if ((await greySession(port, i + 1_000_000)) !== 451) wrong++;
    }),
  );
  return { sessions: total, ms: performance.now() - t0, wrong };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      held: { type: 'string' },
      workers: { type: 'string' },
      'hold-seconds': { type: 'string' },
      grey: { type: 'string' },
      concurrency: { type: 'string' },
      'stutter-ms': { type: 'string' },
      check: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return void console.log(USAGE);
  const o = {
    held: intArg('held', values.held, DEFAULTS.held, 1),
    workers: intArg('workers', values.workers, DEFAULTS.workers, 1),
    holdSeconds: intArg('hold-seconds', values['hold-seconds'], DEFAULTS.holdSeconds, 1),
    grey: intArg('grey', values.grey, DEFAULTS.grey, 1),
    concurrency: intArg('concurrency', values.concurrency, DEFAULTS.concurrency, 1),
    stutterMs: intArg('stutter-ms', values['stutter-ms'], DEFAULTS.stutterMs, 1),
  };

  const dir = makeTempDir('winnow-bench-front-');
  const blackFile = join(dir, 'black.txt');
  writeFileSync(blackFile, '# every held connection comes from 127.1.0.0/16\n127.1.0.0/16\n');
  const port = await freePort();
  const limit = o.held + 1000;
  const winnow = await startWinnow({
    dnsAddress: '127.0.0.1:1',
    workers: o.workers,
    extraConfig: {
      log: { level: 'warn' },
      policy: { listen: [`127.0.0.1:${await freePort()}`] },
      milter: { listen: [`127.0.0.1:${await freePort()}`] },
      smtp_front: {
        listen: [`127.0.0.1:${port}`],
        upstream: '127.0.0.1:1',
        stutter_delay_ms: o.stutterMs,
        grey_stutter_s: 0,
        max_connections: limit,
        max_black: limit,
        max_per_ip: PER_SOURCE * 2,
      },
      checks: { spamd: { lists: [{ name: 'bench', type: 'black', file: blackFile }] } },
    },
  });
  const pid = winnow.daemon.pid;
  try {
    log(`winnow up (${o.workers} worker${o.workers > 1 ? 's' : ''}); warming up...`);
    await Promise.all((await fillTarpit(port, 200)).map((s) => s.destroy()));
    await greyRate(port, 200, 8);
    await sleep(3000);
    const base = treeMemory(pid);

    log(`holding ${o.held} tarpitted connections...`);
    const t0 = performance.now();
    const held = await fillTarpit(port, o.held);
    const fillS = (performance.now() - t0) / 1000;
    await sleep(SETTLE_MS);
    const full = treeMemory(pid);
    log(`measuring CPU over ${o.holdSeconds} s...`);
    const cpu = await measureCpuPercent(pid, o.holdSeconds * 1000);
    const stillHeld = held.filter((s) => !s.destroyed && !s.readableEnded).length;
    for (const s of held) s.destroy();
    await sleep(2000);

    log(`${o.grey} greylisted sessions, ${o.concurrency} at once...`);
    const grey = await greyRate(port, o.grey, o.concurrency);

    const rssPer = (full.rssBytes - base.rssBytes) / o.held;
    const pssPer = full.pssBytes !== undefined && base.pssBytes !== undefined ? (full.pssBytes - base.pssBytes) / o.held : undefined;
    const greyPerS = (grey.sessions * 1000) / grey.ms;
    const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
    console.log(
      formatTable(
        ['measure', 'value', 'target'],
        [
          ['held tarpit connections', `${stillHeld} / ${o.held}`, `≥ ${TARGET_HELD}`],
          ['time to fill the tarpit', `${fillS.toFixed(1)} s`, ''],
          ['daemon RSS before → holding', `${(base.rssBytes / 2 ** 20).toFixed(1)} → ${(full.rssBytes / 2 ** 20).toFixed(1)} MiB`, ''],
          ['RSS per held connection', kb(rssPer), `< ${TARGET_BYTES_PER_HELD / 1024} KB`],
          ['PSS per held connection', pssPer === undefined ? 'n/a' : kb(pssPer), ''],
          [`daemon CPU while holding (${o.holdSeconds} s, stutter ${o.stutterMs} ms)`, `${cpu.toFixed(1)} % of one core`, `< ${TARGET_CPU_PERCENT} %`],
          ['greylist decisions (connect→451 sessions)', `${greyPerS.toFixed(0)} /s`, ''],
          ['sessions not answered 451', String(grey.wrong), '0'],
        ],
      ),
    );
    const ok = stillHeld === o.held && o.held >= TARGET_HELD && rssPer < TARGET_BYTES_PER_HELD && cpu < TARGET_CPU_PERCENT && grey.wrong === 0;
    if (values.check && !ok) process.exitCode = 1;
  } finally {
    await winnow.stop();
  }
}

await main();
