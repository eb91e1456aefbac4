// Contract tests for SpamdStore (spamd's database, PROTOCOLS §7.3-7.4): greylisting a tuple, whitening, traps, expiry, deletes, listing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SpamdEntry, SpamdTiming, SpamdTuple } from '../spamd-interfaces.ts';
import type { Store } from '../store.ts';
import { T0, withStore, type StoreFactory } from './harness.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
/** spamd's defaults: passtime 25 min, greyexp 4 h, whiteexp 36 days; TRAPPED entries live 24 h. */
const TIMING: SpamdTiming = { passTimeMs: 25 * MIN, greyExpMs: 4 * HOUR, whiteExpMs: 864 * HOUR };
const TRAP_MS = 24 * HOUR;

const tuple = (ip: string, to = '<user@example.org>', from = '<a@sender.example>', helo = 'mx.sender.example'): SpamdTuple => ({ ip, helo, from, to });

/** Every live entry, one listing call per page of `size`. */
async function listAll(s: Store, now: number, size = 1000, kind?: SpamdEntry['kind']): Promise<SpamdEntry[]> {
  const out: SpamdEntry[] = [];
  for (let offset = 0; ; offset += size) {
    const page = await s.spamd.list({ kind, offset, limit: size, now });
    out.push(...page.items);
    if (page.items.length < size) return out;
  }
}

export function spamdContract(f: StoreFactory): void {
  test('spamd: a new tuple waits greyexp, blocked once, and does not whiten its IP', () =>
    withStore(f, {}, async (s) => {
      const t = tuple('192.0.2.1');
      const r = await s.spamd.seeTuple(t, T0, TIMING);
      const until = T0 + TIMING.greyExpMs;
      assert.deepEqual(r, { entry: { ...t, firstSeen: T0, passAt: until, expiresAt: until, blocked: 1, passed: 0 }, white: false });
      assert.equal(await s.spamd.white('192.0.2.1', T0), undefined);
      assert.deepEqual(await listAll(s, T0), [{ kind: 'grey', ...r.entry }]);
    }));

  test('spamd: a retry before passtime counts a block and stays grey; the tuple keeps its expiry', () =>
    withStore(f, {}, async (s) => {
      const t = tuple('192.0.2.2');
      await s.spamd.seeTuple(t, T0, TIMING);
      // spamd passes only when first + passtime < now: exactly passtime later is still too early.
      const early = await s.spamd.seeTuple(t, T0 + TIMING.passTimeMs, TIMING);
      assert.equal(early.white, false);
      assert.equal(early.entry.blocked, 2);
      assert.equal(early.entry.passAt, T0 + TIMING.greyExpMs);
      assert.equal(early.entry.expiresAt, T0 + TIMING.greyExpMs);
      assert.equal(early.entry.firstSeen, T0);
      assert.equal(await s.spamd.white('192.0.2.2', T0 + TIMING.passTimeMs), undefined);
    }));

  test('spamd: a retry after passtime passes and creates WHITE with the tuple counters; later retries leave WHITE alone', () =>
    withStore(f, {}, async (s) => {
      const t = tuple('192.0.2.3');
      await s.spamd.seeTuple(t, T0, TIMING);
      await s.spamd.seeTuple(t, T0 + MIN, TIMING);
      const at = T0 + TIMING.passTimeMs + 1;
      const passed = await s.spamd.seeTuple(t, at, TIMING);
      assert.equal(passed.white, true);
      assert.deepEqual(passed.entry, { ...t, firstSeen: T0, passAt: at, expiresAt: T0 + TIMING.greyExpMs, blocked: 3, passed: 0 });
      const white = { ip: '192.0.2.3', firstSeen: T0, passAt: at, expiresAt: at + TIMING.whiteExpMs, blocked: 3, passed: 0 };
      assert.deepEqual(await s.spamd.white('192.0.2.3', at), white);
      const again = await s.spamd.seeTuple(t, at + MIN, TIMING);
      assert.equal(again.white, true);
      assert.equal(again.entry.blocked, 4);
      assert.deepEqual(await s.spamd.white('192.0.2.3', at + MIN), white, 'an existing WHITE entry is not rewritten');
      // The passed tuple lingers until its own expiry (current spamd), beside the WHITE entry.
      const kinds = (await listAll(s, at + MIN)).map((e) => e.kind);
      assert.deepEqual(kinds, ['white', 'grey']);
      // Another tuple of a white IP reports white at once.
      const other = await s.spamd.seeTuple(tuple('192.0.2.3', '<other@example.org>'), at + 2 * MIN, TIMING);
      assert.equal(other.white, true);
      assert.equal(other.entry.blocked, 1);
    }));

  test('spamd: a TRAPPED IP is never whitened while the trap lasts; afterwards a passing retry whitens it', () =>
    withStore(f, {}, async (s) => {
      const ip = '198.51.100.7';
      const t = tuple(ip);
      await s.spamd.trap(ip, T0, TRAP_MS);
      assert.deepEqual(await s.spamd.trapped(ip, T0), { ip, expiresAt: T0 + TRAP_MS });
      await s.spamd.seeTuple(t, T0, TIMING);
      const r = await s.spamd.seeTuple(t, T0 + TIMING.passTimeMs + 1, TIMING);
      assert.equal(r.entry.passAt, T0 + TIMING.passTimeMs + 1, 'the tuple itself passes');
      assert.equal(r.white, false);
      assert.equal(await s.spamd.white(ip, T0 + TIMING.passTimeMs + 1), undefined);
      const later = T0 + TRAP_MS;
      assert.equal(await s.spamd.trapped(ip, later), undefined, 'TRAPPED expires at its expiry');
      await s.spamd.seeTuple(t, later, TIMING);
      const after = await s.spamd.seeTuple(t, later + TIMING.passTimeMs + 1, TIMING);
      assert.equal(after.white, true);
    }));

  test('spamd: addWhite and touchWhite follow spamdb -a and spamlogd', () =>
    withStore(f, {}, async (s) => {
      const ip = '2001:db8::25';
      const added = await s.spamd.addWhite(ip, T0, TIMING.whiteExpMs);
      assert.deepEqual(added, { ip, firstSeen: T0, passAt: T0, expiresAt: T0 + TIMING.whiteExpMs, blocked: 1, passed: 0 });
      const again = await s.spamd.addWhite(ip, T0 + HOUR, TIMING.whiteExpMs);
      assert.deepEqual(again, { ip, firstSeen: T0, passAt: T0 + HOUR, expiresAt: T0 + HOUR + TIMING.whiteExpMs, blocked: 1, passed: 1 });
      await s.spamd.touchWhite(ip, T0 + 2 * HOUR, TIMING.whiteExpMs);
      assert.deepEqual(await s.spamd.white(ip, T0 + 2 * HOUR), {
        ip,
        firstSeen: T0,
        passAt: T0 + HOUR,
        expiresAt: T0 + 2 * HOUR + TIMING.whiteExpMs,
        blocked: 1,
        passed: 2,
      });
      await s.spamd.touchWhite('192.0.2.99', T0, 10 * MIN);
      assert.deepEqual(await s.spamd.white('192.0.2.99', T0), { ip: '192.0.2.99', firstSeen: T0, passAt: T0, expiresAt: T0 + 10 * MIN, blocked: 1, passed: 0 });
    }));

  test('spamd: expiry removes GREY, WHITE and TRAPPED at their expiry; SPAMTRAP never expires', () =>
    withStore(f, {}, async (s) => {
      await s.spamd.seeTuple(tuple('192.0.2.10'), T0, TIMING);
      await s.spamd.addWhite('192.0.2.11', T0, HOUR);
      await s.spamd.trap('192.0.2.12', T0, 2 * HOUR);
      await s.spamd.addSpamtrap('Trap@Example.ORG');
      assert.equal(await s.spamd.expire(T0 + HOUR - 1), 0);
      assert.equal(await s.spamd.expire(T0 + HOUR), 1, 'WHITE gone at its expiry');
      assert.equal(await s.spamd.white('192.0.2.11', T0 + HOUR), undefined);
      assert.equal(await s.spamd.expire(T0 + TIMING.greyExpMs), 2, 'TRAPPED (2 h) and GREY (4 h)');
      const far = T0 + 1000 * 86_400_000;
      assert.equal(await s.spamd.expire(far), 0);
      assert.equal(await s.spamd.isSpamtrap('trap@example.org'), true);
      assert.equal(await s.spamd.isSpamtrap('TRAP@EXAMPLE.ORG'), true);
      assert.deepEqual(await listAll(s, far), [{ kind: 'spamtrap', address: 'trap@example.org' }]);
      // An expired tuple starts over.
      const again = await s.spamd.seeTuple(tuple('192.0.2.10'), far, TIMING);
      assert.equal(again.entry.firstSeen, far);
      assert.equal(again.entry.blocked, 1);
    }));

  test('spamd: a spamtrap address must contain @', () =>
    withStore(f, {}, async (s) => {
      await assert.rejects(s.spamd.addSpamtrap('no-at-sign'), { code: 'ERR_INVALID_ARGUMENT' });
      assert.deepEqual(await listAll(s, T0), []);
    }));

  test('spamd: delete removes one kind by key; grey deletes every tuple of exactly that IP', () =>
    withStore(f, {}, async (s) => {
      await s.spamd.seeTuple(tuple('192.0.2.4', '<a@example.org>'), T0, TIMING);
      await s.spamd.seeTuple(tuple('192.0.2.4', '<b@example.org>'), T0, TIMING);
      await s.spamd.seeTuple(tuple('192.0.2.45', '<a@example.org>'), T0, TIMING);
      await s.spamd.addWhite('192.0.2.4', T0, HOUR);
      await s.spamd.trap('192.0.2.4', T0, HOUR);
      await s.spamd.addSpamtrap('trap@example.org');
      assert.equal(await s.spamd.delete('grey', '192.0.2.4'), 2);
      assert.equal(await s.spamd.delete('grey', '192.0.2.4'), 0);
      assert.equal(await s.spamd.delete('white', '192.0.2.4'), 1);
      assert.equal(await s.spamd.delete('white', '192.0.2.4'), 0);
      assert.equal(await s.spamd.delete('trapped', '192.0.2.4'), 1);
      assert.equal(await s.spamd.delete('spamtrap', 'TRAP@example.org'), 1);
      assert.equal(await s.spamd.delete('spamtrap', 'trap@example.org'), 0);
      const left = await listAll(s, T0);
      assert.deepEqual(left.map((e) => [e.kind, 'ip' in e ? e.ip : '']), [['grey', '192.0.2.45']]);
      assert.equal(await s.spamd.white('192.0.2.4', T0), undefined);
      assert.equal(await s.spamd.trapped('192.0.2.4', T0), undefined);
      assert.equal(await s.spamd.isSpamtrap('trap@example.org'), false);
    }));

  test('spamd: listing goes WHITE, GREY, TRAPPED, SPAMTRAP in key order, pages across kinds, filters by kind', () =>
    withStore(f, {}, async (s) => {
      for (const ip of ['192.0.2.30', '192.0.2.20']) await s.spamd.addWhite(ip, T0, HOUR);
      for (const to of ['<c@x.example>', '<a@x.example>', '<b@x.example>']) await s.spamd.seeTuple(tuple('192.0.2.40', to), T0, TIMING);
      await s.spamd.trap('192.0.2.50', T0, HOUR);
      for (const a of ['z@trap.example', 'm@trap.example']) await s.spamd.addSpamtrap(a);
      const keyOf = (e: SpamdEntry) => (e.kind === 'spamtrap' ? e.address : e.kind === 'grey' ? `${e.ip} ${e.to}` : e.ip);
      const all = await listAll(s, T0);
      assert.deepEqual(all.map((e) => `${e.kind} ${keyOf(e)}`), [
        'white 192.0.2.20',
        'white 192.0.2.30',
        'grey 192.0.2.40 <a@x.example>',
        'grey 192.0.2.40 <b@x.example>',
        'grey 192.0.2.40 <c@x.example>',
        'trapped 192.0.2.50',
        'spamtrap m@trap.example',
        'spamtrap z@trap.example',
      ]);
      for (const size of [1, 2, 3]) assert.deepEqual(await listAll(s, T0, size), all, `pages of ${size}`);
      const page = await s.spamd.list({ offset: 1, limit: 3, now: T0 });
      assert.equal(page.total, 8);
      assert.deepEqual(page.items, all.slice(1, 4));
      assert.deepEqual(await s.spamd.list({ offset: 8, limit: 5, now: T0 }), { items: [], total: 8 });
      const grey = await s.spamd.list({ kind: 'grey', offset: 1, limit: 10, now: T0 });
      assert.equal(grey.total, 3);
      assert.deepEqual(grey.items, all.slice(3, 5));
      assert.deepEqual(await listAll(s, T0, 1000, 'trapped'), [{ kind: 'trapped', ip: '192.0.2.50', expiresAt: T0 + HOUR }]);
      const later = await s.spamd.list({ now: T0 + HOUR });
      assert.equal(later.total, 5, 'listing sweeps expired WHITE and TRAPPED first');
    }));

  test('spamd: concurrent sightings of one new tuple create it once and count every block', () =>
    withStore(f, {}, async (s) => {
      const t = tuple('203.0.113.9');
      const res = await Promise.all(Array.from({ length: 20 }, () => s.spamd.seeTuple(t, T0, TIMING)));
      assert.deepEqual(res.map((r) => r.entry.blocked).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1));
      assert.equal((await listAll(s, T0, 1000, 'grey')).length, 1);
    }));

  test('spamd: an expected reply is directional, case-insensitive, bracket-blind, renewed and expires', () =>
    withStore(f, {}, async (s) => {
      await s.spamd.expectReply('Friend@Remote.example', '<me@local.example>', T0, HOUR);
      assert.equal(await s.spamd.replyExpected('<friend@remote.example>', 'ME@local.example', T0), true);
      assert.equal(await s.spamd.replyExpected('me@local.example', 'friend@remote.example', T0), false, 'only the reply direction');
      assert.equal(await s.spamd.replyExpected('other@remote.example', 'me@local.example', T0), false);
      assert.equal(await s.spamd.replyExpected('friend@remote.example', 'me@local.example', T0 + HOUR), false, 'gone at its expiry');
      await s.spamd.expectReply('friend@remote.example', 'me@local.example', T0 + HOUR, HOUR);
      assert.equal(await s.spamd.replyExpected('friend@remote.example', 'me@local.example', T0 + 2 * HOUR - 1), true, 'renewed');
      assert.deepEqual(await listAll(s, T0), [], 'reply bookkeeping is not a spamdb entry');
      assert.equal(await s.spamd.expire(T0 + 3 * HOUR), 0, 'expire() counts spamdb entries only');
    }));

  if (f.openPair) {
    const openPair = f.openPair;
    test('spamd: two store handles on one backend see the same database', async () => {
      const [a, b] = await openPair();
      try {
        const t = tuple('192.0.2.77');
        await a.spamd.seeTuple(t, T0, TIMING);
        const r = await b.spamd.seeTuple(t, T0 + TIMING.passTimeMs + 1, TIMING);
        assert.equal(r.entry.blocked, 2, 'b sees the tuple a recorded');
        assert.equal(r.white, true);
        assert.equal((await a.spamd.white('192.0.2.77', T0 + TIMING.passTimeMs + 1))?.blocked, 2);
        await a.spamd.trap('192.0.2.78', T0, TRAP_MS);
        assert.deepEqual(await b.spamd.trapped('192.0.2.78', T0), { ip: '192.0.2.78', expiresAt: T0 + TRAP_MS });
        await b.spamd.addSpamtrap('shared@trap.example');
        assert.equal(await a.spamd.isSpamtrap('shared@trap.example'), true);
        assert.equal(await b.spamd.delete('white', '192.0.2.77'), 1);
        assert.equal(await a.spamd.white('192.0.2.77', T0), undefined);
        assert.equal((await a.spamd.list({ now: T0 })).total, (await b.spamd.list({ now: T0 })).total);
      } finally {
        await a.close();
        await b.close();
      }
    });
  }
}
