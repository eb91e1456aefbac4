// Tests of the controller's rspamd-shaped JSON bodies and the /history range parameters.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionsJson, authJson, countersJson, historyJson, statJson, symbolStats, symbolsJson } from './controller-json.ts';
import { DEFAULT_HISTORY_ROWS, historyRange, MAX_HISTORY_ROWS } from './controller-handler.ts';
import { headerBag } from './request-headers.ts';
import type { ResolvedSymbol } from '../../core/symbol-table.ts';

const counters = { scanned: 10, 'action:no action': 5, 'action:greylist': 1, 'action:add header': 2, 'action:reject': 2 };

test('/stat: counts per action, spam = harsher than greylist, missing counters are 0', () => {
  const s = statJson(counters, 61.9, '9.9.9');
  assert.equal(s.version, '9.9.9');
  assert.equal(s.uptime, 61);
  assert.equal(s.scanned, 10);
  assert.equal(s.learned, 0);
  assert.deepEqual(s.actions, {
    'no action': 5,
    greylist: 1,
    'add header': 2,
    'rewrite subject': 0,
    'soft reject': 0,
    reject: 2,
    discard: 0,
    quarantine: 0,
  });
  assert.equal(s.spam_count, 4);
  assert.equal(s.ham_count, 6);
});

test('/auth summary groups actions as rspamd web UI expects', () => {
  const a = authJson(counters, 5, 'v', true);
  assert.deepEqual(
    { clean: a.clean, probable: a.probable, greylist: a.greylist, reject: a.reject, soft_reject: a.soft_reject, auth: a.auth, read_only: a.read_only },
    { clean: 5, probable: 2, greylist: 1, reject: 2, soft_reject: 0, auth: 'ok', read_only: true },
  );
});

test('/actions lists thresholds harshest first, null when disabled', () => {
  assert.deepEqual(actionsJson({ reject: 15, 'soft reject': null, 'rewrite subject': null, 'add header': 6, greylist: 4 }), [
    { action: 'reject', value: 15 },
    { action: 'soft reject', value: null },
    { action: 'rewrite subject', value: null },
    { action: 'add header', value: 6 },
    { action: 'greylist', value: 4 },
    { action: 'no action', value: null },
  ]);
});

test('/symbols and /counters attribute check statistics to the check’s symbols', () => {
  const syms: ResolvedSymbol[] = [
    { name: 'B_SYM', weight: 1, description: 'b', group: 'g2', owner: 'chk' },
    { name: 'A_SYM', weight: 2, description: 'a', group: 'g1', owner: 'chk' },
    { name: 'C_SYM', weight: 3, description: 'c', group: 'g1', owner: 'idle' },
  ];
  const rows = symbolStats(syms, new Map([['chk', { runs: 4, hits: 2, totalMs: 8, failures: 0 }]]), 10);
  assert.deepEqual(symbolsJson(rows, (s) => syms.find((x) => x.name === s)!.group), [
    {
      group: 'g1',
      rules: [
        { symbol: 'A_SYM', weight: 2, description: 'a', frequency: 0.2, time: 2, check: 'chk' },
        { symbol: 'C_SYM', weight: 3, description: 'c', frequency: 0, time: 0, check: 'idle' },
      ],
    },
    { group: 'g2', rules: [{ symbol: 'B_SYM', weight: 1, description: 'b', frequency: 0.2, time: 2, check: 'chk' }] },
  ]);
  assert.deepEqual(countersJson(rows)[0], { symbol: 'B_SYM', weight: 1, frequency: 0.2, hits: 2, time: 2, check: 'chk' });
});

test('a check’s FAIL symbol counts the check’s failed runs, not its hits', () => {
  const syms: ResolvedSymbol[] = [
    { name: 'CHK_FAIL', weight: 0, description: 'failed', group: 'fail', owner: 'chk' },
    { name: 'CHK_HIT', weight: 1, description: 'hit', group: 'chk', owner: 'chk' },
  ];
  const rows = symbolStats(syms, new Map([['chk', { runs: 10, hits: 6, totalMs: 10, failures: 1 }]]), 1, new Set(['CHK_FAIL']));
  assert.deepEqual(
    rows.map((r) => [r.symbol, r.hits]),
    [
      ['CHK_FAIL', 1],
      ['CHK_HIT', 6],
    ],
  );
});

test('/history rows use rspamd version-2 field names', () => {
  const h = historyJson([
    {
      id: 'x1',
      unixTime: 1700000000.5,
      clientIp: '192.0.2.1',
      senderSmtp: 'a@example.com',
      rcptSmtp: ['b@example.org'],
      rcptMime: ['b@example.org'],
      subject: 'hi',
      messageId: 'm@x',
      score: 3,
      requiredScore: 15,
      action: 'no action',
      size: 100,
      timeMs: 25,
      isSkipped: false,
      symbols: { S1: { score: 3, options: ['o'] }, S2: { score: 0, options: [] } },
    },
  ]);
  assert.equal(h.version, 2);
  assert.deepEqual(h.rows[0], {
    id: 'x1',
    action: 'no action',
    ip: '192.0.2.1',
    is_skipped: false,
    'message-id': 'm@x',
    rcpt_mime: ['b@example.org'],
    rcpt_smtp: ['b@example.org'],
    required_score: 15,
    score: 3,
    sender_mime: '',
    sender_smtp: 'a@example.com',
    size: 100,
    subject: 'hi',
    symbols: { S1: { name: 'S1', score: 3, options: ['o'] }, S2: { name: 'S2', score: 0 } },
    time_real: 0.025,
    unix_time: 1700000000.5,
    user: '',
  });
});

const ranges: [string, { offset: number; limit: number }][] = [
  ['', { offset: 0, limit: DEFAULT_HISTORY_ROWS }],
  ['from=10&to=19', { offset: 10, limit: 10 }],
  ['from=5', { offset: 5, limit: DEFAULT_HISTORY_ROWS }],
  ['from=0&to=999999', { offset: 0, limit: MAX_HISTORY_ROWS }],
  ['from=9&to=3', { offset: 9, limit: 0 }],
  ['from=-1&to=x', { offset: 0, limit: DEFAULT_HISTORY_ROWS }],
];
for (const [q, want] of ranges) {
  test(`historyRange(${JSON.stringify(q)})`, () => assert.deepEqual(historyRange(headerBag({}, new URLSearchParams(q))), want));
}
