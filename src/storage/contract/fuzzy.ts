// Contract tests for FuzzyStore: weight accumulation, flag replacement, get-many, delete, TTL.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { T0, withStore, type StoreFactory } from './harness.ts';

const TTL = 86_400_000;

export function fuzzyContract(f: StoreFactory): void {
  test('fuzzy: same flag adds weight and count; another flag replaces the entry', () =>
    withStore(f, {}, async (s) => {
      await s.fuzzy.add([{ hash: 'h1', flag: 1, weight: 1.5 }, { hash: 'h2', flag: 2, weight: 10 }], T0, TTL);
      await s.fuzzy.add([{ hash: 'h1', flag: 1, weight: 2 }], T0 + 5, TTL);
      await s.fuzzy.add([{ hash: 'h2', flag: 3, weight: 4 }], T0 + 6, TTL);
      const [h1, missing, h2] = await s.fuzzy.get(['h1', 'nope', 'h2'], T0 + 10);
      assert.deepEqual(h1, { hash: 'h1', flag: 1, weight: 3.5, count: 2, lastSeen: T0 + 5, expiresAt: T0 + 5 + TTL });
      assert.equal(missing, undefined);
      assert.deepEqual(h2, { hash: 'h2', flag: 3, weight: 4, count: 1, lastSeen: T0 + 6, expiresAt: T0 + 6 + TTL });
      assert.equal(await s.fuzzy.count(), 2);
    }));

  test('fuzzy: delete reports how many existed', () =>
    withStore(f, {}, async (s) => {
      await s.fuzzy.add([{ hash: 'a', flag: 1, weight: 1 }, { hash: 'b', flag: 1, weight: 1 }], T0, TTL);
      assert.equal(await s.fuzzy.delete(['a', 'zz', 'a']), 1);
      assert.deepEqual(await s.fuzzy.get(['a', 'b'], T0), [undefined, (await s.fuzzy.get(['b'], T0))[0]]);
      assert.equal(await s.fuzzy.count(), 1);
    }));

  test('fuzzy: entries expire ttl after their last add', () =>
    withStore(f, {}, async (s) => {
      await s.fuzzy.add([{ hash: 'a', flag: 1, weight: 1 }, { hash: 'b', flag: 1, weight: 1 }], T0, TTL);
      await s.fuzzy.add([{ hash: 'b', flag: 1, weight: 1 }], T0 + 1000, TTL);
      const at = T0 + TTL;
      const [a, b] = await s.fuzzy.get(['a', 'b'], at);
      assert.equal(a, undefined);
      assert.equal(b?.count, 2);
      assert.equal(await s.fuzzy.expire(at), 1);
      assert.equal(await s.fuzzy.count(), 1);
      await s.fuzzy.add([{ hash: 'a', flag: 1, weight: 7 }], at, TTL);
      assert.deepEqual((await s.fuzzy.get(['a'], at))[0], { hash: 'a', flag: 1, weight: 7, count: 1, lastSeen: at, expiresAt: at + TTL });
    }));
}
