// Tests of the per-IP failed-login throttle.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FailureThrottle, MAX_TRACKED_PEERS } from './failure-throttle.ts';

test('an IP is throttled after max failures within the window, then released', () => {
  let now = 1_000_000;
  const t = new FailureThrottle(() => now, 3, 60_000);
  for (let i = 0; i < 2; i++) t.recordFailure('192.0.2.1');
  assert.equal(t.retryAfterMs('192.0.2.1'), 0);
  t.recordFailure('192.0.2.1');
  assert.equal(t.retryAfterMs('192.0.2.1'), 60_000);
  assert.equal(t.retryAfterMs('192.0.2.2'), 0, 'other peers are not affected');
  now += 59_999;
  assert.equal(t.retryAfterMs('192.0.2.1'), 1);
  now += 1;
  assert.equal(t.retryAfterMs('192.0.2.1'), 0);
  t.recordFailure('192.0.2.1');
  assert.equal(t.retryAfterMs('192.0.2.1'), 0, 'a new window starts from one failure');
});

test('the number of remembered peers is bounded', () => {
  const t = new FailureThrottle(() => 0, 3, 60_000);
  for (let i = 0; i < MAX_TRACKED_PEERS + 50; i++) t.recordFailure(`peer-${i}`);
  assert.ok(t.trackedPeers <= MAX_TRACKED_PEERS, String(t.trackedPeers));
  assert.ok(t.trackedPeers > MAX_TRACKED_PEERS - 10);
});
