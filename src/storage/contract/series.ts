// Contract tests for SeriesStore: roll-up into minute/hour/day buckets, ranges, sums across writers, bounded retention.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SERIES_RETENTION_S, SERIES_STEP_S } from '../series-rules.ts';
import { DAY_MS, T0, withStore, type StoreFactory } from './harness.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const T0_S = T0 / 1000;

export function seriesContract(f: StoreFactory): void {
  test('series: one add lands in its minute, hour and day bucket', () =>
    withStore(f, {}, async (s) => {
      await s.series.add({ reject: 2, 'no action': 5 }, T0 + 90_000);
      assert.deepEqual(await s.series.range('minute', T0_S, T0_S + 3600), [{ t: T0_S + 60, counts: { reject: 2, 'no action': 5 } }]);
      assert.deepEqual(await s.series.range('hour', T0_S, T0_S + 3600), [{ t: T0_S, counts: { reject: 2, 'no action': 5 } }]);
      // T0 is noon UTC: its day bucket starts 12 hours earlier.
      assert.deepEqual(await s.series.range('day', T0_S - 43_200, T0_S + 86_400), [{ t: T0_S - 43_200, counts: { reject: 2, 'no action': 5 } }]);
    }));

  test('series: adds in one bucket sum; other buckets stay apart; ranges are half-open and oldest first', () =>
    withStore(f, {}, async (s) => {
      await s.series.add({ greylist: 1 }, T0);
      await s.series.add({ greylist: 2, 'add header': 1 }, T0 + 59_999);
      await s.series.add({ greylist: 4 }, T0 + 2 * MINUTE_MS);
      await s.series.add({ reject: 0 }, T0 + 3 * MINUTE_MS);
      assert.deepEqual(await s.series.range('minute', T0_S, T0_S + 600), [
        { t: T0_S, counts: { greylist: 3, 'add header': 1 } },
        { t: T0_S + 120, counts: { greylist: 4 } },
      ]);
      assert.deepEqual(await s.series.range('minute', T0_S + 60, T0_S + 120), [], 'an empty bucket is absent; the end is excluded');
      assert.deepEqual(await s.series.range('hour', T0_S, T0_S + 3600), [{ t: T0_S, counts: { greylist: 7, 'add header': 1 } }]);
      assert.deepEqual(await s.series.range('minute', T0_S + 600, T0_S), [], 'an inverted range is empty');
    }));

  test('series: concurrent adds are not lost', () =>
    withStore(f, {}, async (s) => {
      await Promise.all(Array.from({ length: 40 }, (_, i) => s.series.add({ 'no action': 1, reject: 0.5 }, T0 + (i % 2) * HOUR_MS)));
      const hours = await s.series.range('hour', T0_S, T0_S + 7200);
      assert.deepEqual(hours, [
        { t: T0_S, counts: { 'no action': 20, reject: 10 } },
        { t: T0_S + 3600, counts: { 'no action': 20, reject: 10 } },
      ]);
      assert.deepEqual(await s.series.range('day', T0_S - 43_200, T0_S + 43_200), [{ t: T0_S - 43_200, counts: { 'no action': 40, reject: 20 } }]);
    }));

  test('series: buckets past their resolution’s retention are dropped by later adds', () =>
    withStore(f, {}, async (s) => {
      await s.series.add({ reject: 1 }, T0);
      const later = T0 + SERIES_RETENTION_S.minute * 1000 + 2 * MINUTE_MS;
      await s.series.add({ reject: 1 }, later);
      const minutes = await s.series.range('minute', T0_S - 60, later / 1000 + 60);
      assert.deepEqual(minutes.map((b) => b.t), [Math.floor(later / 60_000) * 60], 'the old minute is gone');
      const hours = await s.series.range('hour', T0_S - 3600, later / 1000 + 3600);
      assert.equal(hours.length, 2, 'hours are kept longer than minutes');
      const muchLater = T0 + SERIES_RETENTION_S.hour * 1000 + 2 * DAY_MS;
      await s.series.add({ reject: 1 }, muchLater);
      const hoursNow = await s.series.range('hour', T0_S - 3600, muchLater / 1000 + 3600);
      assert.ok(hoursNow.every((b) => b.t > T0_S), 'the old hour is gone');
      const days = await s.series.range('day', T0_S - 86_400, muchLater / 1000 + 86_400);
      assert.equal(days.length, 3, 'days are kept longest');
    }));

  test('series: non-finite counts are refused and nothing is written', () =>
    withStore(f, {}, async (s) => {
      await assert.rejects(s.series.add({ reject: Number.NaN, greylist: 1 }, T0));
      await assert.rejects(s.series.add({ reject: Number.POSITIVE_INFINITY }, T0));
      assert.deepEqual(await s.series.range('minute', T0_S - SERIES_STEP_S.minute, T0_S + 60), []);
    }));
}
