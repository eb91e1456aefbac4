// Tests of the nearest-rank percentile and latency summary.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { percentile, summarize } from './stats.ts';

describe('percentile', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  const table: [readonly number[], number, number][] = [
    [hundred, 50, 50],
    [hundred, 99, 99],
    [hundred, 100, 100],
    [hundred, 0, 1],
    [[7], 99, 7],
    [[1, 2, 3, 4], 50, 2],
    [[1, 2, 3, 4], 51, 3],
  ];
  for (const [xs, p, want] of table) it(`p${p} of ${xs.length} values = ${want}`, () => assert.equal(percentile(xs, p), want));
  it('is NaN for no data', () => assert.ok(Number.isNaN(percentile([], 50))));
});

describe('summarize', () => {
  it('sorts its input and reports mean and max', () => {
    const s = summarize([30, 10, 20]);
    assert.deepEqual(s, { count: 3, meanMs: 20, p50Ms: 20, p90Ms: 30, p99Ms: 30, maxMs: 30 });
  });
});
