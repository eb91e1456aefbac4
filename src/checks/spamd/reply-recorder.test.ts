// The reply recorder (spamlogd's job): which scans record correspondents, what is recorded, and the lookup the spamd check makes at RCPT.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AfterScan } from '../../core/check.ts';
import { fixedClock } from '../../core/testing.ts';
import type { ScanRequest, ScanResult } from '../../core/types.ts';
import { MemoryLogger } from '../../log/memory-logger.ts';
import { IpSet } from '../../maps/ip-set.ts';
import { createMemoryStore } from '../../storage/memory/memory-store.ts';
import { harness, T0 } from '../greylist/test-support.ts';
import { isExpectedReply, MAX_RECORDED_RECIPIENTS, recordReplies, spamdRepliesCheck } from './reply-recorder.ts';

const TTL = 36 * 86_400_000;

function scanOf(request: Partial<ScanRequest>, action: ScanResult['action'] = 'no action'): AfterScan {
  return {
    request: { rcptTo: [], ...request },
    message: undefined,
    result: { action } as ScanResult,
    log: new MemoryLogger(),
  };
}

function stateWith() {
  const store = createMemoryStore();
  const local = new IpSet();
  local.add('127.0.0.0/8', undefined);
  local.add('2001:db8:1::/48', undefined);
  return { store, state: { store: store.spamd, clock: fixedClock(T0), local } };
}

test('authenticated, local-network and adapter-flagged senders record each recipient (lower-cased) for ttl', async () => {
  const cases: Partial<ScanRequest>[] = [
    { user: 'alice', clientIp: '198.51.100.7' },
    { clientIp: '127.0.0.1' },
    { clientIp: '2001:db8:1::25' },
    { clientIp: '198.51.100.7', facts: { local_sender: 'yes' } },
  ];
  for (const c of cases) {
    const { store, state } = stateWith();
    const n = await recordReplies(scanOf({ ...c, mailFrom: 'Alice@Local.Example', rcptTo: ['Bob@Remote.Example', 'carol@remote.example', 'BOB@remote.example'] }), state, TTL);
    assert.equal(n, 2, JSON.stringify(c));
    assert.equal(await store.spamd.replyExpected('bob@remote.example', 'alice@local.example', T0 + TTL - 1), true, JSON.stringify(c));
    assert.equal(await store.spamd.replyExpected('carol@remote.example', 'alice@local.example', T0), true);
    assert.equal(await store.spamd.replyExpected('bob@remote.example', 'alice@local.example', T0 + TTL), false, 'expires after ttl');
  }
});

test('nothing is recorded for outside senders, refused mail or the null sender', async () => {
  const cases: [Partial<ScanRequest>, ScanResult['action']][] = [
    [{ clientIp: '198.51.100.7', mailFrom: 'x@outside.example' }, 'no action'],
    [{ clientIp: '198.51.100.7', mailFrom: 'x@outside.example', facts: { local_sender: 'no' } }, 'no action'],
    [{ user: 'alice', mailFrom: 'alice@local.example' }, 'reject'],
    [{ user: 'alice', mailFrom: 'alice@local.example' }, 'soft reject'],
    [{ user: 'alice', mailFrom: 'alice@local.example' }, 'add header'],
    [{ user: 'alice', mailFrom: '' }, 'no action'],
  ];
  for (const [req, action] of cases) {
    const { store, state } = stateWith();
    assert.equal(await recordReplies(scanOf({ ...req, rcptTo: ['bob@remote.example'] }, action), state, TTL), 0, `${JSON.stringify(req)} ${action}`);
    assert.equal(await store.spamd.replyExpected('bob@remote.example', req.mailFrom ?? '', T0), false);
  }
});

test('a mass mailing records at most MAX_RECORDED_RECIPIENTS correspondents', async () => {
  const { store, state } = stateWith();
  const rcptTo = Array.from({ length: MAX_RECORDED_RECIPIENTS + 20 }, (_, i) => `r${i}@remote.example`);
  assert.equal(await recordReplies(scanOf({ user: 'alice', mailFrom: 'alice@local.example', rcptTo }), state, TTL), MAX_RECORDED_RECIPIENTS);
  assert.equal(await store.spamd.replyExpected(`r${MAX_RECORDED_RECIPIENTS}@remote.example`, 'alice@local.example', T0), false);
});

test('isExpectedReply: the reply direction only; the null sender never', async () => {
  const store = createMemoryStore();
  await store.spamd.expectReply('bob@remote.example', 'alice@local.example', T0, TTL);
  assert.equal(await isExpectedReply(store.spamd, 'Bob@Remote.Example', 'alice@local.example', T0), true);
  assert.equal(await isExpectedReply(store.spamd, 'alice@local.example', 'bob@remote.example', T0), false);
  assert.equal(await isExpectedReply(store.spamd, '', 'alice@local.example', T0), false);
  assert.equal(await isExpectedReply(store.spamd, undefined, 'alice@local.example', T0), false);
});

test('as a check in a scan: an authenticated policy request records its recipient after the verdict', async () => {
  const h = await harness([spamdRepliesCheck], { checks: { 'spamd-replies': {} } });
  try {
    const result = await h.scan({ user: 'alice', clientIp: '203.0.113.5', mailFrom: 'alice@local.example', rcptTo: ['bob@remote.example'] });
    assert.equal(result.action, 'no action');
    const until = Date.now() + 2000;
    while (!(await h.store.spamd.replyExpected('bob@remote.example', 'alice@local.example', T0)) && Date.now() < until) await sleep(10);
    assert.equal(await h.store.spamd.replyExpected('bob@remote.example', 'alice@local.example', T0), true);
    assert.equal(await h.store.spamd.replyExpected('bob@remote.example', 'alice@local.example', T0 + TTL), false, 'default ttl: 36 days');
  } finally {
    await h.close();
  }
});
