// Tests of the scan recorder: counters and history rows reach the store in batches, none lost on flush, bounded when the store stalls.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { builtinChecks } from '../checks/index.ts';
import { loadConfigText } from '../config/load.ts';
import { createApp } from '../daemon/app.ts';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import { MemoryLogger } from '../log/memory-logger.ts';
import { createMemoryStore } from '../storage/memory/memory-store.ts';
import type { HistoryStore } from '../storage/interfaces.ts';
import type { Store } from '../storage/store.ts';
import { HISTORY_BUSY_FLUSH_MS, HISTORY_QUIET_ROWS, MAX_PENDING_HISTORY_ROWS, ScanRecorder } from './scan-recorder.ts';
import type { ScanRequest, ScanResult } from './types.ts';
import { resultFixture } from './testing.ts';

function request(n: number): ScanRequest {
  return { clientIp: '192.0.2.1', mailFrom: `s${n}@example.org`, rcptTo: ['r@example.net'] };
}

const RESULT: ScanResult = resultFixture({
  score: 1.5,
  symbols: { X_TEST: { name: 'X_TEST', score: 1.5, weight: 1.5, options: ['a'] } },
  timeMs: 0.5,
});

/** `inner` with its history writes going through `pushMany`; reads go to the real history. */
function withPushMany(inner: Store, pushMany: HistoryStore['pushMany']): Store {
  const h = inner.history;
  const history: HistoryStore = {
    push: (e) => pushMany([e]),
    pushMany,
    recent: (limit, offset) => h.recent(limit, offset),
    count: () => h.count(),
    clear: () => h.clear(),
  };
  return { ...inner, history };
}

/** The real memory store, with every history write recorded (batch sizes) and optionally held until released. */
function watchedStore(): { store: Store; batches: number[]; hold: boolean; release(): void } {
  const inner = createMemoryStore({ historySize: 100_000 });
  let gate: { promise: Promise<void>; resolve: () => void } | undefined;
  const w = {
    batches: [] as number[],
    hold: false,
    release() {
      gate?.resolve();
      gate = undefined;
    },
    store: inner,
  };
  w.store = withPushMany(inner, async (entries) => {
    w.batches.push(entries.length);
    if (w.hold) {
      gate ??= Promise.withResolvers<void>();
      await gate.promise;
    }
    return inner.history.pushMany(entries);
  });
  return w;
}

const senders = async (s: Store) => (await s.history.recent(100_000)).map((e) => e.senderSmtp);

test('recorder: while quiet a scan is in history at once; over HISTORY_QUIET_ROWS per window rows wait HISTORY_BUSY_FLUSH_MS', async () => {
  const w = watchedStore();
  const r = new ScanRecorder(w.store, new MemoryLogger());
  r.observe(request(0), RESULT, undefined);
  await sleep(5);
  assert.deepEqual(w.batches, [1]);
  assert.deepEqual(await senders(w.store), ['s0@example.org']);
  // Rows of one turn go out together, on the next turn, while the interval is still quiet.
  for (let i = 1; i <= HISTORY_QUIET_ROWS; i++) r.observe(request(i), RESULT, undefined);
  await sleep(5);
  assert.deepEqual(w.batches, [1, HISTORY_QUIET_ROWS]);
  // The window is busy now: the next rows wait.
  for (let i = HISTORY_QUIET_ROWS + 1; i <= HISTORY_QUIET_ROWS + 4; i++) r.observe(request(i), RESULT, undefined);
  await sleep(5);
  assert.deepEqual(w.batches, [1, HISTORY_QUIET_ROWS], 'busy: the rows wait');
  await sleep(HISTORY_BUSY_FLUSH_MS + 20);
  assert.deepEqual(w.batches, [1, HISTORY_QUIET_ROWS, 4]);
  const got = await senders(w.store);
  assert.equal(got.length, HISTORY_QUIET_ROWS + 5);
  assert.equal(got[0], `s${HISTORY_QUIET_ROWS + 4}@example.org`, 'newest first, in scan order');
  assert.equal(got.at(-1), 's0@example.org');
  r.observe(request(99), RESULT, undefined);
  await sleep(5);
  assert.equal(w.batches.at(-1), 1, 'a new window is quiet again');
});

test('recorder: at most historySize rows wait for a write, the first ones (later scans are only counted); busy rows wait for flush', async () => {
  const w = watchedStore();
  const historySize = 10;
  const r = new ScanRecorder(w.store, new MemoryLogger(), historySize);
  r.observe(request(0), RESULT, undefined);
  await sleep(5);
  // A burst in one turn, begun while quiet: it goes out on the next turn, cut to its first historySize.
  const burst = 3 * historySize + 7;
  for (let i = 1; i <= burst; i++) r.observe(request(i), RESULT, undefined);
  await sleep(5);
  assert.deepEqual(w.batches, [1, historySize]);
  // The window is busy now: the next burst waits, and flush writes its first historySize.
  for (let i = burst + 1; i <= 2 * burst; i++) r.observe(request(i), RESULT, undefined);
  await sleep(5);
  assert.deepEqual(w.batches, [1, historySize]);
  await r.flush();
  assert.deepEqual(w.batches, [1, historySize, historySize]);
  const got = await senders(w.store);
  const firstOfBurst = (b: number) => Array.from({ length: historySize }, (_, k) => `s${b * burst + historySize - k}@example.org`);
  assert.deepEqual(got.slice(0, historySize), firstOfBurst(1), 'the second burst: its first rows, newest first');
  assert.deepEqual(got.slice(historySize, 2 * historySize), firstOfBurst(0), 'the first burst: its first rows');
  assert.deepEqual(await w.store.counters.getAll(), { scanned: 2 * burst + 1, 'action:no action': 2 * burst + 1 }, 'every scan is counted');
  const row = (await w.store.history.recent(1))[0];
  assert.equal(row.score, 1.5);
  assert.deepEqual(row.symbols, { X_TEST: { score: 1.5, options: ['a'] } });
});

test('recorder: flush waits for a write in progress and then writes what arrived meanwhile', async () => {
  const w = watchedStore();
  const r = new ScanRecorder(w.store, new MemoryLogger());
  w.hold = true;
  r.observe(request(0), RESULT, undefined);
  await sleep(5);
  assert.deepEqual(w.batches, [1]);
  for (let i = 1; i <= 4; i++) r.observe(request(i), RESULT, undefined);
  let flushed = false;
  const f = r.flush().then(() => (flushed = true));
  await sleep(5);
  assert.equal(flushed, false, 'still waiting for the held write');
  w.hold = false;
  w.release();
  await f;
  assert.deepEqual(w.batches, [1, 4]);
  assert.equal(await w.store.history.count(), 5);
});

/** A recorder whose first write (one row) is held while `scans` more scans arrive; then released and flushed. */
async function afterStall(historySize: number, scans: number) {
  const w = watchedStore();
  const log = new MemoryLogger();
  const r = new ScanRecorder(w.store, log, historySize);
  w.hold = true;
  r.observe(request(-1), RESULT, undefined);
  await sleep(5);
  for (let i = 0; i < scans; i++) r.observe(request(i), RESULT, undefined);
  const warnsWhileStalled = log.records.filter((x) => x.level === 'warn').length;
  w.hold = false;
  w.release();
  await r.flush();
  return { w, log, r, warnsWhileStalled, got: await senders(w.store) };
}

test('recorder: while the store is stalled at most historySize rows wait, the first ones, silently', async () => {
  const historySize = 50;
  const scans = 5 * historySize + 7;
  const { w, log, got } = await afterStall(historySize, scans);
  assert.deepEqual(w.batches, [1, historySize]);
  assert.equal(got[0], `s${historySize - 1}@example.org`);
  assert.equal(got[historySize - 1], 's0@example.org', 'the scans after the first historySize got no row');
  assert.deepEqual((await w.store.counters.getAll()).scanned, scans + 1, 'every scan is counted');
  assert.equal(log.records.filter((x) => x.level === 'warn').length, 0);
});

test('recorder: with a history size over MAX_PENDING_HISTORY_ROWS a stalled store keeps that many waiting, says so once, and once more when every scan gets a row again', async () => {
  const total = 2 * MAX_PENDING_HISTORY_ROWS + 5;
  const { w, log, r, warnsWhileStalled, got } = await afterStall(3 * MAX_PENDING_HISTORY_ROWS, total);
  assert.equal(warnsWhileStalled, 1, 'one line for the incident');
  assert.deepEqual(w.batches, [1, MAX_PENDING_HISTORY_ROWS]);
  assert.equal(got[0], `s${MAX_PENDING_HISTORY_ROWS - 1}@example.org`);
  assert.equal(got[MAX_PENDING_HISTORY_ROWS - 1], 's0@example.org');
  // The write period that refused rows has ended; the incident ends with the next write whose period refused none.
  assert.equal(log.records.filter((x) => x.level === 'info').length, 0, 'no recovery line while the refusing period is written');
  r.observe(request(total), RESULT, undefined);
  await r.flush();
  assert.equal(log.records.filter((x) => x.level === 'warn').length, 1, 'still one warn line');
  assert.ok(log.records.some((x) => x.level === 'info' && /every scan gets a history row again/.test(x.msg)));
});

test('recorder: a failing store is logged once per incident and scans go on', async () => {
  const inner = createMemoryStore();
  let down = true;
  const store = withPushMany(inner, async (entries) => {
    if (down) throw new Error('store unreachable');
    return inner.history.pushMany(entries);
  });
  const log = new MemoryLogger();
  const r = new ScanRecorder(store, log);
  r.observe(request(0), RESULT, undefined);
  await r.flush();
  r.observe(request(1), RESULT, undefined);
  await r.flush();
  assert.equal(log.records.filter((x) => x.level === 'error').length, 1);
  down = false;
  r.observe(request(2), RESULT, undefined);
  await r.flush();
  assert.deepEqual(await senders(store), ['s2@example.org']);
  assert.ok(log.records.some((x) => x.msg === 'history writes recovered'));
});

test('recorder: a scan with record: false is neither counted nor kept in history; record: true and unset are', async () => {
  const w = watchedStore();
  const r = new ScanRecorder(w.store, new MemoryLogger());
  for (let i = 0; i < 5; i++) r.observe({ ...request(100 + i), record: false }, { ...RESULT, action: 'greylist' }, undefined);
  r.observe(request(1), RESULT, undefined);
  r.observe({ ...request(2), record: true }, RESULT, undefined);
  await r.flush();
  assert.deepEqual(await senders(w.store), ['s2@example.org', 's1@example.org']);
  assert.deepEqual(await w.store.counters.getAll(), { scanned: 2, 'action:no action': 2 });
  assert.ok(w.batches.every((n) => n <= 2), `no unrecorded row reached the store (batches ${w.batches.join(',')})`);
});

test('recorder: rows still buffered when the app closes (graceful shutdown) are written, none lost', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'winnow-recorder-'));
  try {
    const config = loadConfigText(`data_dir: ${JSON.stringify(dir)}\nstore: { backend: sqlite }\n`, builtinChecks, join(dir, 'winnow.yaml'));
    const app = await createApp(config, new MemoryLogger(), { record: true });
    // More than a quiet interval's rows, at once: the last ones wait for the interval's end.
    const scans = 2 * HISTORY_QUIET_ROWS;
    await Promise.all(Array.from({ length: scans }, (_, i) => app.scanner.scan({ ...request(i), settings: { checksEnabled: [] } })));
    assert.ok((await app.store.history.count()) < scans, 'some rows are still buffered: this test would pass without the flush otherwise');
    await app.close();
    const store = openSqliteStore(join(dir, 'winnow.sqlite'), { historySize: 100, maxTokens: 100, maxWeightBuckets: 100 });
    try {
      assert.equal(await store.history.count(), scans);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
