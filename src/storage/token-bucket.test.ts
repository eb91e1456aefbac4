// Table-driven tests for the token-bucket arithmetic the memory and SQLite rate stores share.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { takeFromBucket, type BucketState } from './token-bucket.ts';

const INF = Number.POSITIVE_INFINITY;
// [name, previous state, rate/s, burst, now, cost, decision, tokens after, ttlMs]
const cases: [string, BucketState | undefined, number, number, number, number, [boolean, number, number], number, number][] = [
  ['fresh bucket', undefined, 1, 5, 1000, 1, [true, 4, 0], 4, 1000],
  ['cost 0 on fresh bucket leaves it full (droppable)', undefined, 1, 5, 1000, 0, [true, 5, 0], 5, 0],
  ['empty bucket refuses', { tokens: 0, updatedAt: 1000 }, 1, 5, 1000, 1, [false, 0, 1000], 0, 5000],
  ['partial refill', { tokens: 0, updatedAt: 1000 }, 2, 5, 1250, 1, [false, 0, 250], 0.5, 2250],
  ['refill caps at burst', { tokens: 1, updatedAt: 0 }, 10, 5, 60_000, 2, [true, 3, 0], 3, 200],
  ['clock going backwards refills nothing', { tokens: 2, updatedAt: 5000 }, 1, 5, 1000, 1, [true, 1, 0], 1, 4000],
  ['fractional tokens floor in remaining', { tokens: 2.5, updatedAt: 0 }, 1, 5, 0, 1, [true, 1, 0], 1.5, 3500],
  ['cost above burst never fits', undefined, 1, 5, 0, 6, [false, 5, INF], 5, 0],
];

for (const [name, prev, rate, burst, now, cost, [allowed, remaining, retryAfterMs], tokens, ttlMs] of cases) {
  test(`token bucket: ${name}`, () => {
    const step = takeFromBucket(prev, rate, burst, now, cost);
    assert.deepEqual(step.decision, { allowed, remaining, retryAfterMs });
    assert.deepEqual(step.state, { tokens, updatedAt: now });
    assert.equal(step.ttlMs, ttlMs);
  });
}
