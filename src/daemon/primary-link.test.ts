// Tests for the primary's reload runner (one at a time, later requests get a later run) and the worker directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReloadRunner, WORKER_STATS_STALE_MS, WorkerDirectory } from './primary-link.ts';

test('reloads run one at a time; requests made during a run share the next run', async () => {
  let runs = 0;
  let release!: () => void;
  const runner = new ReloadRunner(async () => {
    runs++;
    const n = runs;
    await new Promise<void>((r) => (release = r));
    return { ok: true, generation: n };
  });
  const first = runner.request();
  const second = runner.request();
  const third = runner.request();
  assert.equal(runs, 1, 'the second run waits for the first');
  release();
  assert.deepEqual(await first, { ok: true, generation: 1 });
  await new Promise((r) => setImmediate(r));
  assert.equal(runs, 2);
  release();
  assert.deepEqual(await second, { ok: true, generation: 2 });
  assert.deepEqual(await third, { ok: true, generation: 2 }, 'waiting requests share one run');
  const fourth = runner.request();
  assert.equal(runs, 3, 'idle again: a request starts at once');
  release();
  await fourth;
});

test('a failing reload answers ok: false with the message and does not block later ones', async () => {
  let fail = true;
  const runner = new ReloadRunner(async () => {
    if (fail) throw new Error('config broken');
    return { ok: true };
  });
  assert.deepEqual(await runner.request(), { ok: false, error: 'config broken' });
  fail = false;
  assert.deepEqual(await runner.request(), { ok: true });
});

test('the directory keeps the last report per worker, forgets exited and silent ones', () => {
  let now = 0;
  const d = new WorkerDirectory(() => now);
  d.report({ pid: 1, generation: 1, rssBytes: 10, scanned: 1, uptimeSec: 1 });
  d.report({ pid: 2, generation: 1, rssBytes: 20, scanned: 2, uptimeSec: 1 });
  d.report({ pid: 1, generation: 1, rssBytes: 11, scanned: 5, uptimeSec: 2 });
  assert.deepEqual(d.list().map((w) => [w.pid, w.scanned]), [[1, 5], [2, 2]]);
  d.remove(2);
  assert.deepEqual(d.list().map((w) => w.pid), [1]);
  now = WORKER_STATS_STALE_MS;
  assert.deepEqual(d.list(), []);
});
