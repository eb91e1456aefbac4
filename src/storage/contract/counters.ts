// Contract tests for CounterStore: sums, concurrency, reset.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withStore, type StoreFactory } from './harness.ts';

export function counterContract(f: StoreFactory): void {
  test('counters: add sums per name, including negative and fractional deltas', () =>
    withStore(f, {}, async (s) => {
      assert.deepEqual(await s.counters.getAll(), {});
      await s.counters.add({ scanned: 2, spam: 1 });
      await s.counters.add({ scanned: 3, ham: -1, ratio: 0.5 });
      await s.counters.add({ ratio: 0.25 });
      assert.deepEqual(await s.counters.getAll(), { scanned: 5, spam: 1, ham: -1, ratio: 0.75 });
    }));

  test('counters: concurrent adds are not lost', () =>
    withStore(f, {}, async (s) => {
      await Promise.all(Array.from({ length: 50 }, () => s.counters.add({ a: 1, b: 2 })));
      assert.deepEqual(await s.counters.getAll(), { a: 50, b: 100 });
    }));

  test('counters: reset empties', () =>
    withStore(f, {}, async (s) => {
      await s.counters.add({ a: 1 });
      await s.counters.reset();
      assert.deepEqual(await s.counters.getAll(), {});
      await s.counters.add({ a: 4 });
      assert.deepEqual(await s.counters.getAll(), { a: 4 });
    }));
}
