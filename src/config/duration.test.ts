// Table tests of config durations: seconds as numbers, unit suffixes, refusals.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { duration, formatDuration, parseDuration } from './duration.ts';

test('durations parse to milliseconds', () => {
  const table: [number | string, number | undefined][] = [
    [0, 0],
    [90, 90_000],
    [1.5, 1500],
    ['500ms', 500],
    ['30s', 30_000],
    ['30', 30_000],
    ['25m', 1_500_000],
    ['4h', 14_400_000],
    ['36d', 3_110_400_000],
    ['2w', 1_209_600_000],
    [' 4H ', 14_400_000],
    ['1.5h', 5_400_000],
    [-1, undefined],
    ['', undefined],
    ['4 hours', undefined],
    ['-5m', undefined],
    ['m', undefined],
  ];
  for (const [input, want] of table) assert.equal(parseDuration(input), want, JSON.stringify(input));
});

test('the zod schema refuses non-durations with a hint', () => {
  assert.equal(duration.parse('25m'), 1_500_000);
  const r = duration.safeParse('soon');
  assert.equal(r.success, false);
  assert.match(r.error!.issues[0].message, /expected a duration/);
  assert.equal(duration.safeParse(true).success, false);
});

test('formatDuration picks the largest exact unit', () => {
  assert.equal(formatDuration(1_500_000), '25m');
  assert.equal(formatDuration(90_000), '90s');
  assert.equal(formatDuration(3_110_400_000), '36d');
  assert.equal(formatDuration(1_209_600_000), '2w');
  assert.equal(formatDuration(1500), '1500ms');
});
