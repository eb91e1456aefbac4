// Contract tests for HistoryStore: bounded ring, newest first, pagination, faithful round trip.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HistoryEntry } from '../interfaces.ts';
import { withStore, type StoreFactory } from './harness.ts';

export function sampleEntry(n: number): HistoryEntry {
  return {
    id: `id-${n}`,
    unixTime: 1_700_000_000 + n,
    clientIp: '192.0.2.1',
    senderSmtp: 'a@example.org',
    rcptSmtp: ['b@example.net', 'c@example.net'],
    rcptMime: [],
    subject: `Subject ${n} — ünïcode`,
    score: n + 0.25,
    requiredScore: 15,
    action: 'no action',
    size: 1234,
    timeMs: 3.5,
    isSkipped: false,
    symbols: { BAYES_SPAM: { score: 5.1, options: ['99%'] }, R_SPF_ALLOW: { score: -0.2, options: [] } },
  };
}

export function historyContract(f: StoreFactory): void {
  test('history: keeps the last historySize entries, newest first', () =>
    withStore(f, { historySize: 5 }, async (s) => {
      for (let i = 1; i <= 8; i++) await s.history.push(sampleEntry(i));
      assert.equal(await s.history.count(), 5);
      const ids = (await s.history.recent(10)).map((e) => e.id);
      assert.deepEqual(ids, ['id-8', 'id-7', 'id-6', 'id-5', 'id-4']);
    }));

  test('history: pagination with limit and offset', () =>
    withStore(f, { historySize: 10 }, async (s) => {
      for (let i = 1; i <= 6; i++) await s.history.push(sampleEntry(i));
      assert.deepEqual((await s.history.recent(2, 1)).map((e) => e.id), ['id-5', 'id-4']);
      assert.deepEqual((await s.history.recent(3, 4)).map((e) => e.id), ['id-2', 'id-1']);
      assert.deepEqual(await s.history.recent(3, 6), []);
      assert.deepEqual(await s.history.recent(0), []);
    }));

  test('history: entries round-trip unchanged; clear empties', () =>
    withStore(f, {}, async (s) => {
      const e = sampleEntry(1);
      await s.history.push(e);
      assert.deepEqual((await s.history.recent(1))[0], e);
      await s.history.clear();
      assert.equal(await s.history.count(), 0);
      assert.deepEqual(await s.history.recent(5), []);
    }));

  test('history: pushMany appends oldest first, like pushes one by one, in the same ring', () =>
    withStore(f, { historySize: 5 }, async (s) => {
      await s.history.pushMany([]);
      assert.equal(await s.history.count(), 0);
      await s.history.pushMany([sampleEntry(1), sampleEntry(2)]);
      await s.history.push(sampleEntry(3));
      await s.history.pushMany([sampleEntry(4), sampleEntry(5), sampleEntry(6)]);
      assert.deepEqual((await s.history.recent(10)).map((e) => e.id), ['id-6', 'id-5', 'id-4', 'id-3', 'id-2']);
      await s.history.pushMany(Array.from({ length: 12 }, (_, i) => sampleEntry(100 + i)));
      assert.equal(await s.history.count(), 5);
      assert.deepEqual((await s.history.recent(10)).map((e) => e.id), ['id-111', 'id-110', 'id-109', 'id-108', 'id-107']);
      assert.deepEqual((await s.history.recent(1))[0], sampleEntry(111), 'rows round-trip unchanged');
    }));

  test('history: concurrent pushes keep the ring at its bound', () =>
    withStore(f, { historySize: 7 }, async (s) => {
      await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? s.history.pushMany([sampleEntry(i), sampleEntry(i + 100)]) : s.history.push(sampleEntry(i)))));
      assert.equal(await s.history.count(), 7);
      assert.equal((await s.history.recent(100)).length, 7);
    }));
}
