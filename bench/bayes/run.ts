// Measures the store-backed Bayes service: learn and classify time per message with SQLite and Redis, and (--rss) the daemon's memory after training the whole train half through the controller.
//
//   npx node bench/bayes/run.ts [--n 1000] [--backends sqlite,redis] [--models logistic,robinson-fisher] [--rss]

import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { loadSplit, shuffled, type Message } from '../accuracy/corpus.ts';
import { summarize, type LatencySummary } from '../lib/stats.ts';
import { processTree, treeMemory } from '../lib/rss.ts';
import { createBayesService } from '../../src/classifier/bayes-service.ts';
import type { BayesModelName } from '../../src/classifier/service-types.ts';
import { parseMessage } from '../../src/mime/parse.ts';
import type { ParsedMessage } from '../../src/mime/model.ts';
import { openStore } from '../../src/storage/open-store.ts';
import type { Store } from '../../src/storage/store.ts';
import { startDaemon } from '../../test/support/daemon.ts';
import { deleteKeysUnder } from '../../test/support/redis-keys.ts';

const REDIS_HOST = '127.0.0.1';
const REDIS_PORT = 6379;
/** Concurrent learn requests while training the daemon (two workers, each with a couple in flight). */
const TRAIN_CONCURRENCY = 4;
const MIB = 1024 * 1024;

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1000' },
    backends: { type: 'string', default: 'sqlite,redis' },
    models: { type: 'string', default: 'logistic,robinson-fisher' },
    rss: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log(`usage: node bench/bayes/run.ts [options]
  --n N            messages learned and classified per backend and model (default 1000)
  --backends L     comma-separated: sqlite, redis (default sqlite,redis; Redis at ${REDIS_HOST}:${REDIS_PORT})
  --models L       comma-separated: logistic, robinson-fisher (default both)
  --rss            also train a daemon (2 workers) on the whole train half through the controller and print its memory`);
  process.exit(0);
}

function fmt(s: LatencySummary): string {
  return `mean ${s.meanMs.toFixed(2)} ms  p50 ${s.p50Ms.toFixed(2)}  p90 ${s.p90Ms.toFixed(2)}  p99 ${s.p99Ms.toFixed(2)}  max ${s.maxMs.toFixed(1)}`;
}

async function openBackend(backend: string): Promise<{ store: Store; cleanup(): Promise<void> }> {
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'winnow-bayes-bench-'));
    const store = await openStore({ backend: 'sqlite' }, { dataDir: dir });
    return { store, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const prefix = `winnow-bench:${process.pid}-${randomBytes(4).toString('hex')}:`;
  const store = await openStore({ backend: 'redis', host: REDIS_HOST, port: REDIS_PORT, prefix });
  return {
    store,
    cleanup: async () => {
      const admin = new Redis({ host: REDIS_HOST, port: REDIS_PORT });
      await deleteKeysUnder(admin, prefix);
      admin.disconnect();
    },
  };
}

async function serviceSpeed(train: ParsedMessage[], trainLabels: boolean[], test: ParsedMessage[], testLabels: boolean[]): Promise<void> {
  for (const backend of values.backends.split(',')) {
    for (const model of values.models.split(',') as BayesModelName[]) {
      const { store, cleanup } = await openBackend(backend);
      try {
        const svc = createBayesService(store, { model });
        const learnMs: number[] = [];
        for (let i = 0; i < train.length; i++) {
          const t0 = performance.now();
          await svc.learn(train[i], trainLabels[i] ? 'spam' : 'ham');
          learnMs.push(performance.now() - t0);
        }
        const classifyMs: number[] = [];
        let right = 0;
        for (let i = 0; i < test.length; i++) {
          const t0 = performance.now();
          const v = await svc.classify(test[i]);
          classifyMs.push(performance.now() - t0);
          if ((v.verdict === 'spam') === testLabels[i] && v.verdict !== 'unsure') right++;
        }
        console.log(`${backend.padEnd(6)} ${model.padEnd(15)} learn    ${fmt(summarize(learnMs))}`);
        console.log(`${backend.padEnd(6)} ${model.padEnd(15)} classify ${fmt(summarize(classifyMs))}  (${right}/${test.length} right at the cut-offs)`);
      } finally {
        await store.close();
        await cleanup();
      }
    }
  }
}

/** VmRSS of each process of the daemon's tree, in MiB, primary first. */
function perProcess(root: number): string {
  return processTree(root)
    .map((pid) => {
      const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return `${pid}: ${m ? (Number(m[1]) / 1024).toFixed(0) : '?'} MiB`;
    })
    .join(', ');
}

async function daemonRss(train: Message[]): Promise<void> {
  const d = await startDaemon();
  try {
    const base = treeMemory(d.proc.pid!);
    let next = 0;
    const outcomes: Record<number, number> = {};
    const t0 = performance.now();
    const worker = async () => {
      while (next < train.length) {
        const m = train[next++];
        const res = await fetch(`${d.controllerUrl}/${m.isSpam ? 'learnspam' : 'learnham'}`, { method: 'POST', body: m.raw });
        await res.arrayBuffer();
        outcomes[res.status] = (outcomes[res.status] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: TRAIN_CONCURRENCY }, worker));
    const secs = (performance.now() - t0) / 1000;
    const trained = treeMemory(d.proc.pid!);
    const stat = (await (await fetch(`${d.controllerUrl}/stat`)).json()) as { statfiles: { symbol: string; revision: number; used: number }[] };
    console.log(`daemon: trained ${train.length} messages over HTTP in ${secs.toFixed(1)} s (${(train.length / secs).toFixed(0)} msg/s); replies ${JSON.stringify(outcomes)}`);
    console.log(`daemon: statfiles ${JSON.stringify(stat.statfiles.map((f) => [f.symbol, f.revision, f.used]))}`);
    const show = (m: ReturnType<typeof treeMemory>) => `RSS ${(m.rssBytes / MIB).toFixed(0)} MiB, PSS ${m.pssBytes === undefined ? '?' : (m.pssBytes / MIB).toFixed(0)} MiB`;
    console.log(`daemon (primary + 2 workers) before training: ${show(base)}; after: ${show(trained)}`);
    console.log(`per process after training: ${perProcess(d.proc.pid!)}`);
    // Classifying the test half exercises the trained database the way production does.
    const scanT0 = performance.now();
    for (const m of split.test) await (await fetch(`${d.httpUrl}/checkv2`, { method: 'POST', body: m.raw })).arrayBuffer();
    console.log(`daemon: scanned the test half (${split.test.length}) in ${((performance.now() - scanT0) / 1000).toFixed(1)} s; ${show(treeMemory(d.proc.pid!))}`);
    console.log(`per process after scanning: ${perProcess(d.proc.pid!)}`);
  } finally {
    await d.stop();
  }
}

const split = loadSplit();
const n = Number(values.n);
const train = shuffled(split.train, 'bayes-bench');
const test = shuffled(split.test, 'bayes-bench');
if (values.backends !== '') {
  const trainParsed = await Promise.all(train.slice(0, n).map((m) => parseMessage(m.raw)));
  const testParsed = await Promise.all(test.slice(0, n).map((m) => parseMessage(m.raw)));
  console.log(`service: learn ${trainParsed.length} train messages, then classify ${testParsed.length} test messages (parsing excluded)`);
  await serviceSpeed(trainParsed, train.slice(0, n).map((m) => m.isSpam), testParsed, test.slice(0, n).map((m) => m.isSpam));
}
if (values.rss) await daemonRss(train);
