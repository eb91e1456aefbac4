// Tests of the closed-loop load runner: concurrency bound, latency and error accounting.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runClosedLoop } from './load.ts';

describe('runClosedLoop', () => {
  it('keeps at most `concurrency` calls in flight and runs every item once', async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    const r = await runClosedLoop([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((res) => setTimeout(res, 5));
      seen.push(n);
      inFlight--;
    });
    assert.equal(peak, 3);
    assert.deepEqual(seen.sort(), [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(r.latenciesMs.length, 7);
    assert.ok(r.latenciesMs.every((ms) => ms >= 4));
  });

  it('counts failures apart from latencies', async () => {
    const r = await runClosedLoop([1, 2, 3], 2, async (n) => {
      if (n === 2) throw new Error('boom');
    });
    assert.equal(r.errors, 1);
    assert.deepEqual(r.errorSamples, ['boom']);
    assert.equal(r.latenciesMs.length, 2);
  });
});
