// Contract tests for GreylistStore and its whitelist: upsert rules, passes, expiry, listing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { T0, withStore, type StoreFactory } from './harness.ts';

const TTL = 3_600_000;
const DELAY = 300_000;
/** postgrey's defaults: retries count for two days, a passed triplet is kept 35 days. */
const WINDOW = 2 * 86_400_000;
const PASS_TTL = 35 * 86_400_000;

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

  const timing = { delayMs: DELAY, retryWindowMs: WINDOW, passTtlMs: PASS_TTL };

  test('greylist sight: new, early retry, first pass (counted once), later passes', () =>
    withStore(f, {}, async (s) => {
      const counter = { key: 'awl:net', ttlMs: PASS_TTL };
      const fresh = await s.greylist.sight('t', T0, timing, counter);
      assert.deepEqual(fresh, {
        entry: { key: 't', firstSeen: T0, lastSeen: T0, passCount: 0, expiresAt: T0 + WINDOW },
        created: true,
        previousPassCount: 0,
      });
      const early = await s.greylist.sight('t', T0 + DELAY - 1, timing, counter);
      assert.deepEqual(early, {
        entry: { key: 't', firstSeen: T0, lastSeen: T0 + DELAY - 1, passCount: 0, expiresAt: T0 + WINDOW },
        created: false,
        previousPassCount: 0,
      });
      const pass = await s.greylist.sight('t', T0 + DELAY, timing, counter);
      assert.deepEqual(pass, {
        entry: { key: 't', firstSeen: T0, lastSeen: T0 + DELAY, passCount: 1, expiresAt: T0 + DELAY + PASS_TTL },
        created: false,
        previousPassCount: 0,
        counted: { key: 'awl:net', firstSeen: T0 + DELAY, lastSeen: T0 + DELAY, passCount: 0, expiresAt: T0 + DELAY + PASS_TTL, created: true },
      });
      assert.deepEqual(await s.greylist.get('t', T0 + DELAY), pass.entry);
      const again = await s.greylist.sight('t', T0 + 2 * DELAY, timing, counter);
      assert.equal(again.counted, undefined, 'only the first pass counts');
      assert.deepEqual([again.entry.passCount, again.previousPassCount], [2, 1]);
      const other = await s.greylist.sight('t2', T0, timing, counter);
      assert.equal(other.counted, undefined);
      const otherPass = await s.greylist.sight('t2', T0 + 3 * DELAY, timing, counter);
      assert.equal(otherPass.counted?.passCount, 1, 'a second triplet of the network counts again');
      assert.equal((await s.greylist.get('awl:net', T0 + 3 * DELAY))?.passCount, 1);
      const uncounted = await s.greylist.sight('t3', T0, timing);
      assert.equal((await s.greylist.sight('t3', T0 + DELAY, timing)).counted, undefined, 'no counter given');
      assert.equal(uncounted.created, true);
    }));

  test('greylist sight: a retry after the window starts over; a passed entry does not', () =>
    withStore(f, {}, async (s) => {
      await s.greylist.sight('late', T0, timing);
      const late = await s.greylist.sight('late', T0 + WINDOW, timing);
      assert.deepEqual(late, {
        entry: { key: 'late', firstSeen: T0 + WINDOW, lastSeen: T0 + WINDOW, passCount: 0, expiresAt: T0 + 2 * WINDOW },
        created: true,
        previousPassCount: 0,
      });
      // Written with a longer life (another configuration): the window closes all the same.
      await s.greylist.seen('long', T0, 10 * WINDOW, DELAY);
      assert.equal((await s.greylist.sight('long', T0 + WINDOW, timing)).created, true);
      await s.greylist.sight('passed', T0, timing);
      await s.greylist.sight('passed', T0 + DELAY, timing);
      const kept = await s.greylist.sight('passed', T0 + WINDOW + DELAY, timing);
      assert.deepEqual([kept.created, kept.entry.firstSeen, kept.entry.passCount], [false, T0, 2]);
      assert.equal(kept.entry.expiresAt, T0 + WINDOW + DELAY + PASS_TTL);
    }));

  test('greylist sight: an entry that passed before the delay (added by hand) passes, uncounted', () =>
    withStore(f, {}, async (s) => {
      await s.greylist.seen('hand', T0, TTL, DELAY);
      await s.greylist.seen('hand', T0 + 1, TTL, 0);
      const r = await s.greylist.sight('hand', T0 + 2, timing, { key: 'awl:x', ttlMs: PASS_TTL });
      assert.deepEqual(r, {
        entry: { key: 'hand', firstSeen: T0, lastSeen: T0 + 2, passCount: 1, expiresAt: T0 + 2 + PASS_TTL },
        created: false,
        previousPassCount: 1,
      });
    }));

  test('greylist sight: concurrent sightings of one key create it exactly once; bad timing is refused', () =>
    withStore(f, {}, async (s) => {
      const res = await Promise.all(Array.from({ length: 20 }, () => s.greylist.sight('same', T0, timing)));
      assert.equal(res.filter((r) => r.created).length, 1);
      await assert.rejects(s.greylist.sight('x', T0, { ...timing, delayMs: -1 }), { code: 'ERR_INVALID_ARGUMENT' });
      await assert.rejects(s.greylist.sight('x', T0, timing, { key: 'c', ttlMs: 1.5 }), { code: 'ERR_INVALID_ARGUMENT' });
      assert.equal(await s.greylist.get('x', T0), undefined);
    }));

  test('greylist sightUnlessListed: a live whitelist entry is returned and nothing is written; else the sighting', () =>
    withStore(f, {}, async (s) => {
      const counter = { key: 'awl:192.0.2.0', ttlMs: PASS_TTL };
      await s.greylist.whitelist.add('192.0.2.0', T0 + 10, 'auto-whitelisted after 5 passes');
      assert.deepEqual(await s.greylist.sightUnlessListed('192.0.2.0', 'k', T0, timing, counter), {
        listed: { key: '192.0.2.0', expiresAt: T0 + 10, reason: 'auto-whitelisted after 5 passes' },
      });
      assert.equal(await s.greylist.get('k', T0), undefined, 'a listed client leaves no triplet');
      const expired = await s.greylist.sightUnlessListed('192.0.2.0', 'k', T0 + 10, timing, counter);
      assert.deepEqual(expired, {
        sighting: { entry: { key: 'k', firstSeen: T0 + 10, lastSeen: T0 + 10, passCount: 0, expiresAt: T0 + 10 + WINDOW }, created: true, previousPassCount: 0 },
      });
      const pass = await s.greylist.sightUnlessListed('198.51.100.0', 'k', T0 + 10 + DELAY, timing, counter);
      assert.equal(pass.sighting?.entry.passCount, 1);
      assert.equal(pass.sighting?.counted?.created, true);
      assert.equal((await s.greylist.get('awl:192.0.2.0', T0 + 10 + DELAY))?.passCount, 0);
      await assert.rejects(s.greylist.sightUnlessListed('192.0.2.0', 'k', T0, { ...timing, passTtlMs: -5 }), { code: 'ERR_INVALID_ARGUMENT' });
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
