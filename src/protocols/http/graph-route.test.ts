// Tests for the throughput series: steps per range, zero-filled points, rspamd's /graph shape, and the routes' parameter checks.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemorySeries } from '../../storage/memory/memory-series.ts';
import { GRAPH_ACTIONS, graphJson, SERIES_RANGES, seriesFor } from './graph-route.ts';
import { startTestController, uiMessage, type TestController } from './controller-testing.ts';

const NOW = Date.UTC(2025, 2, 4, 10, 30, 20);
const NOW_S = NOW / 1000;

test('every range has the documented number of points, ending with the step that holds now', async () => {
  const s = new MemorySeries();
  const want = { hour: 60, day: 288, week: 168, month: 240, year: 365 };
  for (const [range, n] of Object.entries(want) as [keyof typeof SERIES_RANGES, number][]) {
    const r = await seriesFor(s, range, NOW);
    assert.equal(r.points.length, n, range);
    const last = r.points.at(-1)!;
    assert.ok(last.t <= NOW_S && NOW_S < last.t + r.step, `${range}: the last step holds now`);
    assert.ok(r.points.every((p, i) => i === 0 || p.t - r.points[i - 1].t === r.step));
    assert.equal(last.actions.reject, 0, 'zero-filled');
  }
});

test('counts land in their step; minute buckets are summed into 5-minute steps for a day', async () => {
  const s = new MemorySeries();
  await s.add({ reject: 2, 'no action': 1 }, NOW - 60_000);
  await s.add({ reject: 1 }, NOW - 2 * 60_000);
  await s.add({ greylist: 4 }, NOW - 50 * 60_000);
  const hour = await seriesFor(s, 'hour', NOW);
  assert.equal(hour.points.reduce((n, p) => n + p.actions.reject, 0), 3);
  assert.equal(hour.points.at(-2)!.actions.reject, 2, 'a minute ago is the step before the current one');
  const day = await seriesFor(s, 'day', NOW);
  const withRejects = day.points.filter((p) => p.actions.reject > 0);
  assert.deepEqual(withRejects.map((p) => p.actions.reject), [3], 'both minutes fall in one 5-minute step');
  assert.equal(day.points.reduce((n, p) => n + p.actions.greylist, 0), 4);
  const week = await seriesFor(s, 'week', NOW);
  assert.equal(week.points.at(-1)!.actions.reject + week.points.at(-2)!.actions.reject, 3);
});

test("graphJson: rspamd's six series in rspamd's order, y in messages per second", async () => {
  const s = new MemorySeries();
  await s.add({ 'add header': 120 }, NOW);
  const g = graphJson(await seriesFor(s, 'hour', NOW));
  assert.equal(g.length, GRAPH_ACTIONS.length);
  assert.deepEqual(GRAPH_ACTIONS, ['reject', 'soft reject', 'rewrite subject', 'add header', 'greylist', 'no action']);
  assert.equal(g[3].at(-1)!.y, 2, '120 in a 60 s step');
  assert.ok(g[0].every((p) => p.y === 0));
  assert.equal(g[3].at(-1)!.x, Math.floor(NOW_S / 60) * 60);
});

let c: TestController;
before(async () => {
  c = await startTestController({ auth: { secureIp: ['127.0.0.1/32'] } });
});
after(async () => {
  await c.close();
});

test('GET /api/series and /graph over HTTP: scans show up; bad ranges are 400 naming the parameter', async () => {
  await fetch(`${c.url}/checkv2`, { method: 'POST', body: uiMessage('Series', 'SPAMMY') });
  const r = (await (await fetch(`${c.url}/api/series?range=hour`)).json()) as { step: number; points: { actions: Record<string, number> }[] };
  assert.equal(r.step, 60);
  assert.equal(r.points.reduce((n, p) => n + p.actions['add header'], 0), 1, 'the controller flushes the recorder before reading');
  const g = (await (await fetch(`${c.url}/graph?type=daily`)).json()) as { x: number; y: number }[][];
  assert.equal(g.length, 6);
  const bad = await fetch(`${c.url}/api/series?range=decade`);
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { error: { field: string } }).error.field, 'range');
  const missing = await fetch(`${c.url}/graph`);
  assert.equal(missing.status, 400);
  assert.match(((await missing.json()) as { error: string }).error, /^Absent graph type/);
});
