// Tests of the size-capped, expiring LRU cache.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fixedClock } from '../core/testing.ts';
import { TtlCache } from './ttl-cache.ts';

describe('TtlCache', () => {
  it('returns a value until its TTL has passed', () => {
    const clock = fixedClock(0);
    const c = new TtlCache<string>(10, clock);
    c.set('k', 'v', 1000);
    clock.set(999);
    assert.equal(c.get('k'), 'v');
    clock.set(1000);
    assert.equal(c.get('k'), undefined);
    assert.equal(c.size, 0, 'a stale entry is dropped when met');
  });

  it('evicts the least recently used entry beyond the cap', () => {
    const c = new TtlCache<number>(2, fixedClock(0));
    c.set('a', 1, 1000);
    c.set('b', 2, 1000);
    assert.equal(c.get('a'), 1);
    c.set('c', 3, 1000);
    assert.equal(c.get('b'), undefined);
    assert.equal(c.get('a'), 1);
    assert.equal(c.get('c'), 3);
    assert.equal(c.size, 2);
  });

  it('stores nothing with a TTL of 0 or a cap of 0', () => {
    const c = new TtlCache<number>(2, fixedClock(0));
    c.set('a', 1, 0);
    assert.equal(c.get('a'), undefined);
    const off = new TtlCache<number>(0, fixedClock(0));
    off.set('a', 1, 1000);
    assert.equal(off.get('a'), undefined);
  });

  it('replaces a value and its expiry on set', () => {
    const clock = fixedClock(0);
    const c = new TtlCache<number>(2, clock);
    c.set('a', 1, 100);
    c.set('a', 2, 1000);
    clock.set(500);
    assert.equal(c.get('a'), 2);
    assert.equal(c.size, 1);
  });
});
