// Controller cost for the web UI: daemon CPU per GET /api/status (the status page's refresh), and /api/history latency with 10,000 stored rows.

import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { clockTicksPerSecond, processTicks } from '../lib/cpu.ts';
import { summarize, type LatencySummary } from '../lib/stats.ts';
import { formatTable } from '../lib/table.ts';
import { startDaemon, type RunningDaemon } from '../../test/support/daemon.ts';
import { hashPassword } from '../../src/protocols/http/password.ts';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';
import type { HistoryEntry } from '../../src/storage/interfaces.ts';
import { ACTIONS } from '../../src/core/types.ts';

/** The target: a status refresh costs the daemon under 1 ms of CPU. */
const TARGET_STATUS_CPU_MS = 1;
const DEFAULT_REQUESTS = 2_000;
const DEFAULT_HISTORY_ROWS = 10_000;
const DEFAULT_HISTORY_REQUESTS = 300;
const WARMUP_REQUESTS = 200;
const PUSH_BATCH = 500;
const PASSWORD = 'bench-ui-password';

const USAGE = `usage: node bench/ui/run.ts [options]
  --requests N          status requests measured (default ${DEFAULT_REQUESTS})
  --history N           history rows stored before the history figures (default ${DEFAULT_HISTORY_ROWS})
  --history-requests N  requests per history query kind (default ${DEFAULT_HISTORY_REQUESTS})
  --workers N           daemon workers (default 2)
  --check               exit 1 when the status CPU target (< ${TARGET_STATUS_CPU_MS} ms) is missed`;

const SUBJECT_WORDS = ['invoice', 'meeting', 'offer', 'report', 'urgent', 'newsletter', 'delivery', 'password', 'prize', 'agenda'];

/** A history row shaped like a real scan's: a dozen symbols with options. */
function row(i: number): HistoryEntry {
  const symbols: HistoryEntry['symbols'] = {};
  for (let s = 0; s < 12; s++) symbols[`BENCH_SYMBOL_${(i + s) % 40}`] = { score: ((i * 7 + s) % 11) - 3, options: [`option-${s}`, `value ${i % 97}`] };
  return {
    id: `bench-${i}-${(i * 2654435761) % 1_000_003}`,
    unixTime: Date.now() / 1000 - (DEFAULT_HISTORY_ROWS - i),
    clientIp: `198.51.100.${i % 250}`,
    senderSmtp: `sender${i % 500}@example${i % 30}.org`,
    senderMime: `sender${i % 500}@example${i % 30}.org`,
    rcptSmtp: [`user${i % 50}@example.net`],
    rcptMime: [`user${i % 50}@example.net`],
    subject: `${SUBJECT_WORDS[i % SUBJECT_WORDS.length]} number ${i}`,
    messageId: `msg-${i}@example${i % 30}.org`,
    score: ((i * 13) % 200) / 10 - 2,
    requiredScore: 15,
    action: ACTIONS[i % 6],
    size: 2000 + (i % 5000),
    timeMs: 3 + (i % 17),
    isSkipped: false,
    symbols,
  };
}

async function timed(n: number, fn: (i: number) => Promise<void>): Promise<LatencySummary> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    ms.push(performance.now() - t0);
  }
  return summarize(ms);
}

async function getJson(url: string, headers: Record<string, string>): Promise<any> {
  const res = await fetch(url, { headers });
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string' },
      history: { type: 'string' },
      'history-requests': { type: 'string' },
      workers: { type: 'string' },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return void console.log(USAGE);
  const requests = Number(values.requests ?? DEFAULT_REQUESTS);
  const historyRows = Number(values.history ?? DEFAULT_HISTORY_ROWS);
  const historyRequests = Number(values['history-requests'] ?? DEFAULT_HISTORY_REQUESTS);
  const workers = Number(values.workers ?? 2);

  let d: RunningDaemon | undefined;
  try {
    d = await startDaemon({
      workers,
      config: `controller: { listen: ['127.0.0.1:${await (await import('../../test/support/daemon.ts')).freePort()}'], secure_ip: [], enable_password: '${await hashPassword(PASSWORD)}' }
store: { backend: sqlite, history_size: ${Math.max(historyRows, 1000)} }
`,
    });
    const base = d.controllerUrl;
    const login = await fetch(`${base}/api/login`, { method: 'POST', body: JSON.stringify({ password: PASSWORD }), headers: { 'Content-Type': 'application/json' } });
    if (login.status !== 200) throw new Error(`login failed: ${login.status}`);
    // What the status page sends: the session cookie, from a same-origin page.
    const headers = { Cookie: (login.headers.get('set-cookie') ?? '').split(';')[0], 'Sec-Fetch-Site': 'same-origin' };

    const deadline = Date.now() + 15_000;
    let pids: number[] = [];
    while (Date.now() < deadline) {
      pids = ((await getJson(`${base}/api/status`, headers)).workers as { pid: number }[]).map((w) => w.pid);
      if (pids.length === workers) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    if (pids.length !== workers) throw new Error(`only ${pids.length} of ${workers} workers reported`);
    const primary = d.proc.pid!;
    const hz = clockTicksPerSecond();
    const ticks = (ps: number[]) => ps.reduce((n, p) => n + processTicks(p), 0);

    /** Daemon CPU (workers, primary) per request and latency of `path`, after a warm-up. */
    const cpuPerRequest = async (path: string) => {
      for (let i = 0; i < WARMUP_REQUESTS; i++) await (await fetch(`${base}${path}`, { headers })).arrayBuffer();
      const w0 = ticks(pids);
      const p0 = ticks([primary]);
      const latency = await timed(requests, async () => void (await (await fetch(`${base}${path}`, { headers })).arrayBuffer()));
      return { workerMs: ((ticks(pids) - w0) / hz / requests) * 1000, primaryMs: ((ticks([primary]) - p0) / hz / requests) * 1000, latency };
    };
    // /ping is the floor: what any HTTP request costs the daemon before a route does anything.
    const ping = await cpuPerRequest('/ping');
    const status = await cpuPerRequest('/api/status');
    const { workerMs, primaryMs, latency: statusLatency } = status;

    // History: rows written straight into the daemon's SQLite file (WAL: safe beside the running workers).
    const store = openSqliteStore(join(d.dataDir, 'winnow.sqlite'), { historySize: Math.max(historyRows, 1000), maxTokens: 1000, maxWeightBuckets: 1000 });
    try {
      for (let i = 0; i < historyRows; i += PUSH_BATCH) await store.history.pushMany(Array.from({ length: Math.min(PUSH_BATCH, historyRows - i) }, (_, k) => row(i + k)));
    } finally {
      await store.close();
    }
    // The first request of each worker loads the whole ring into its summary: measured on fresh connections.
    const cold = await timed(workers * 2, async () => {
      const res = await fetch(`${base}/api/history?limit=50`, { headers: { ...headers, Connection: 'close' } });
      const body = (await res.json()) as { total: number };
      if (body.total !== historyRows) throw new Error(`history has ${body.total} rows, expected ${historyRows}`);
    });
    const ids = ((await getJson(`${base}/api/history?limit=500&offset=${Math.floor(historyRows / 2)}`, headers)).items as { id: string }[]).map((x) => x.id);
    const kinds: [string, (i: number) => string][] = [
      ['page 1 (50 rows)', () => '/api/history?limit=50'],
      ['random page', (i) => `/api/history?limit=50&offset=${(i * 7919) % historyRows}`],
      ['search (common word)', () => '/api/history?limit=50&q=invoice'],
      ['search (rare: one sender)', (i) => `/api/history?limit=50&q=sender${i % 500}@example`],
      ['filter by action', () => '/api/history?limit=50&action=reject'],
      ['one row explained', (i) => `/api/history/${ids[i % ids.length]}`],
    ];
    const rows: string[][] = [];
    for (const [name, path] of kinds) {
      const s = await timed(historyRequests, async (i) => void (await getJson(`${base}${path(i)}`, headers)));
      rows.push([name, String(s.count), s.p50Ms.toFixed(2), s.p99Ms.toFixed(2), s.maxMs.toFixed(2)]);
    }

    console.log(`winnow controller UI bench: ${workers} worker(s), SQLite, ${requests} status requests, ${historyRows} history rows\n`);
    console.log(
      formatTable(
        ['keep-alive GET', 'requests', 'worker CPU ms/req', 'primary CPU ms/req', 'p50 ms', 'p99 ms'],
        [
          ['/api/status, session cookie', String(requests), workerMs.toFixed(3), primaryMs.toFixed(3), statusLatency.p50Ms.toFixed(2), statusLatency.p99Ms.toFixed(2)],
          ['/ping (HTTP floor, no route work)', String(requests), ping.workerMs.toFixed(3), ping.primaryMs.toFixed(3), ping.latency.p50Ms.toFixed(2), ping.latency.p99Ms.toFixed(2)],
        ],
      ),
    );
    console.log(`\nstatus CPU target < ${TARGET_STATUS_CPU_MS} ms/request: ${workerMs < TARGET_STATUS_CPU_MS ? 'met' : 'MISSED'} (${workerMs.toFixed(3)} ms; CPU ticks are 1/${hz} s)\n`);
    console.log(`first /api/history of a worker (loads ${historyRows} rows into its summary): p50 ${cold.p50Ms.toFixed(1)} ms, max ${cold.maxMs.toFixed(1)} ms\n`);
    console.log(formatTable([`GET /api/history (${historyRows} rows)`, 'requests', 'p50 ms', 'p99 ms', 'max ms'], rows));
    if (values.check && workerMs >= TARGET_STATUS_CPU_MS) process.exitCode = 1;
  } finally {
    await d?.stop();
  }
}

await main();
