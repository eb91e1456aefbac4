// Contract tests for RateStore: token-bucket arithmetic, isolation, atomicity under concurrency.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { T0, withStore, type StoreFactory } from './harness.ts';

export function rateContract(f: StoreFactory): void {
  test('rate: a full bucket allows burst takes, then refuses with retryAfterMs', () =>
    withStore(f, {}, async (s) => {
      const got = [];
      for (let i = 0; i < 4; i++) got.push(await s.rate.take('ip:1', 1, 3, T0));
      assert.deepEqual(got, [
        { allowed: true, remaining: 2, retryAfterMs: 0 },
        { allowed: true, remaining: 1, retryAfterMs: 0 },
        { allowed: true, remaining: 0, retryAfterMs: 0 },
        { allowed: false, remaining: 0, retryAfterMs: 1000 },
      ]);
      assert.deepEqual(await s.rate.take('ip:1', 1, 3, T0 + 400), { allowed: false, remaining: 0, retryAfterMs: 600 });
      assert.deepEqual(await s.rate.take('ip:1', 1, 3, T0 + 1000), { allowed: true, remaining: 0, retryAfterMs: 0 });
      assert.deepEqual(await s.rate.take('ip:2', 1, 3, T0), { allowed: true, remaining: 2, retryAfterMs: 0 }, 'keys are separate');
    }));

  test('rate: cost, refill to burst after idling, and cost above burst', () =>
    withStore(f, {}, async (s) => {
      assert.deepEqual(await s.rate.take('k', 2, 10, T0, 7), { allowed: true, remaining: 3, retryAfterMs: 0 });
      assert.deepEqual(await s.rate.take('k', 2, 10, T0, 5), { allowed: false, remaining: 3, retryAfterMs: 1000 });
      assert.deepEqual(await s.rate.take('k', 2, 10, T0 + 3_600_000, 1), { allowed: true, remaining: 9, retryAfterMs: 0 });
      const never = await s.rate.take('k', 2, 10, T0 + 3_600_000, 11);
      assert.equal(never.allowed, false);
      assert.equal(never.retryAfterMs, Number.POSITIVE_INFINITY);
    }));

  test('rate: concurrent takes never overspend the bucket', () =>
    withStore(f, {}, async (s) => {
      const res = await Promise.all(Array.from({ length: 25 }, () => s.rate.take('hot', 0.001, 10, T0)));
      assert.equal(res.filter((r) => r.allowed).length, 10);
    }));

  test('rate: invalid arguments are ERR_INVALID_ARGUMENT', () =>
    withStore(f, {}, async (s) => {
      await assert.rejects(s.rate.take('k', 0, 10, T0), { code: 'ERR_INVALID_ARGUMENT' });
      await assert.rejects(s.rate.take('k', 1, -1, T0), { code: 'ERR_INVALID_ARGUMENT' });
      await assert.rejects(s.rate.take('k', 1, 1, T0, -2), { code: 'ERR_INVALID_ARGUMENT' });
    }));
}
