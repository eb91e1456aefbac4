// Tests of the progress line's formatting (bar, percent, rate, ETA, label cut) and that it stays silent off a terminal.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { ProgressBar, formatDuration, formatProgress, formatRate } from './progress.ts';

test('durations and rates', () => {
  const cases: [number, string][] = [
    [0, '0:00'],
    [999, '0:01'],
    [61_000, '1:01'],
    [3_600_000, '1:00:00'],
    [3_725_000, '1:02:05'],
  ];
  for (const [ms, want] of cases) assert.equal(formatDuration(ms), want, String(ms));
  assert.equal(formatRate(0, 0), '0');
  assert.equal(formatRate(15, 2000), '7.5');
  assert.equal(formatRate(1234, 1000), '1234');
});

test('a progress line with a known total has bar, count, percent, rate and ETA', () => {
  const line = formatProgress({ done: 250, total: 1000, elapsedMs: 5000, label: 'spam /m' });
  assert.equal(line, '[######..................] 250/1000 25% 50.0 msg/s ETA 0:15 spam /m');
  const end = formatProgress({ done: 1000, total: 1000, elapsedMs: 10_000, label: 'x' });
  assert.equal(end, '[########################] 1000/1000 100% 100 msg/s x');
});

test('an unknown total shows only count and rate; a long label keeps its end', () => {
  assert.equal(formatProgress({ done: 7, total: 0, elapsedMs: 1000, label: 'l' }), '7 7.0 msg/s l');
  const line = formatProgress({ done: 1, total: 2, elapsedMs: 1000, label: `ham /${'d/'.repeat(80)}end` });
  assert.ok(line.length <= 100, String(line.length));
  assert.ok(line.endsWith('d/end'));
  assert.ok(line.includes('…'));
});

test('the bar draws nothing when the stream is not a terminal', () => {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream;
  let written = '';
  (stream as unknown as PassThrough).on('data', (c: Buffer) => (written += c.toString()));
  const bar = new ProgressBar(stream);
  bar.update(1, 10, 'x', true);
  bar.clear();
  assert.equal(written, '');
  (stream as { isTTY?: boolean }).isTTY = true;
  const tty = new ProgressBar(stream);
  tty.update(1, 10, 'x', true);
  tty.clear();
  assert.match(written, /^\r\x1b\[K\[##\.+\] 1\/10 10% .*x\r\x1b\[K$/);
});
