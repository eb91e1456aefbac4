// Contract tests for GreylistStore and its whitelist: upsert rules, passes, expiry, listing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { T0, withStore, type StoreFactory } from './harness.ts';

const TTL = 3_600_000;
const DELAY = 300_000;

export function greylistContract(f: StoreFactory): void {
  test('greylist: first sighting creates the entry', () =>
    withStore(f, {}, async (s) => {
      const e = await s.greylist.seen('k1', T0, TTL, DELAY);
      assert.deepEqual(e, { key: 'k1', firstSeen: T0, lastSeen: T0, passCount: 0, expiresAt: T0 + TTL, created: true });
      assert.deepEqual(await s.greylist.get('k1', T0), { key: 'k1', firstSeen: T0, lastSeen: T0, passCount: 0, expiresAt: T0 + TTL });
    }));

  test('greylist: a retry counts as a pass only after minDelayMs; each sighting extends expiry', () =>
    withStore(f, {}, async (s) => {
      await s.greylist.seen('k', T0, TTL, DELAY);
      const early = await s.greylist.seen('k', T0 + DELAY - 1, TTL, DELAY);
      assert.deepEqual(early, {
        key: 'k',
        firstSeen: T0,
        lastSeen: T0 + DELAY - 1,
        passCount: 0,
        expiresAt: T0 + DELAY - 1 + TTL,
        created: false,
      });
      const late = await s.greylist.seen('k', T0 + DELAY, TTL, DELAY);
      assert.equal(late.passCount, 1);
      assert.equal(late.firstSeen, T0);
      const later = await s.greylist.seen('k', T0 + 2 * DELAY, TTL);
      assert.equal(later.passCount, 2);
    }));

  test('greylist: an expired entry is gone and a new sighting starts over', () =>
    withStore(f, {}, async (s) => {
      await s.greylist.seen('k', T0, TTL, DELAY);
      await s.greylist.seen('k', T0 + DELAY, TTL, DELAY);
      const exp = T0 + DELAY + TTL;
      assert.notEqual(await s.greylist.get('k', exp - 1), undefined);
      assert.equal(await s.greylist.get('k', exp), undefined);
      const again = await s.greylist.seen('k', exp, TTL, DELAY);
      assert.deepEqual(again, { key: 'k', firstSeen: exp, lastSeen: exp, passCount: 0, expiresAt: exp + TTL, created: true });
    }));

  test('greylist: delete, expire and key-ordered paginated listing of live entries', () =>
    withStore(f, {}, async (s) => {
      for (const k of ['c', 'a', 'e', 'b', 'd']) await s.greylist.seen(k, T0, TTL);
      await s.greylist.seen('short', T0, 10);
      assert.equal(await s.greylist.delete('e'), true);
      assert.equal(await s.greylist.delete('e'), false);
      const page = await s.greylist.list({ now: T0 + 10, offset: 1, limit: 2 });
      assert.equal(page.total, 4);
      assert.deepEqual(page.items.map((e) => e.key), ['b', 'c']);
      assert.equal(page.items[0].expiresAt, T0 + TTL);
      assert.equal(await s.greylist.expire(T0 + TTL - 1), 0, 'short was swept by list');
      assert.equal(await s.greylist.expire(T0 + TTL), 4);
      assert.deepEqual(await s.greylist.list({ now: T0 + TTL }), { items: [], total: 0 });
    }));

  test('greylist: concurrent sightings of one key create it exactly once', () =>
    withStore(f, {}, async (s) => {
      const res = await Promise.all(Array.from({ length: 20 }, () => s.greylist.seen('same', T0, TTL, 0)));
      assert.equal(res.filter((r) => r.created).length, 1);
      assert.equal((await s.greylist.get('same', T0))?.passCount, 19);
    }));

  test('whitelist: add, get, replace, remove, list and expire', () =>
    withStore(f, {}, async (s) => {
      const w = s.greylist.whitelist;
      await w.add('192.0.2.7', T0 + TTL, 'passed greylisting');
      await w.add('192.0.2.1', T0 + 10, 'manual');
      await w.add('192.0.2.9', T0 + TTL, 'x');
      await w.add('192.0.2.9', T0 + 2 * TTL, 'replaced');
      assert.deepEqual(await w.get('192.0.2.9', T0), { key: '192.0.2.9', expiresAt: T0 + 2 * TTL, reason: 'replaced' });
      assert.equal(await w.get('192.0.2.1', T0 + 10), undefined, 'expired at expiresAt');
      assert.equal(await w.get('nope', T0), undefined);
      const page = await w.list({ now: T0, limit: 2 });
      assert.equal(page.total, 3);
      assert.deepEqual(page.items.map((e) => e.key), ['192.0.2.1', '192.0.2.7']);
      assert.equal(await w.remove('192.0.2.7'), true);
      assert.equal(await w.remove('192.0.2.7'), false);
      assert.equal(await w.expire(T0 + 10), 1);
      assert.deepEqual((await w.list({ now: T0 + 10 })).items, [{ key: '192.0.2.9', expiresAt: T0 + 2 * TTL, reason: 'replaced' }]);
    }));
}
