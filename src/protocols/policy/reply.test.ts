import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Action, HeaderChange, ScanResult } from '../../core/types.ts';
import { failAction, policyAction, replyLine } from './reply.ts';

function result(action: Action, smtpMessage?: string, addHeaders: HeaderChange[] = []): ScanResult {
  return {
    score: 0,
    requiredScore: 15,
    action,
    thresholds: { reject: 15, 'soft reject': null, 'rewrite subject': null, 'add header': 6, greylist: 4 },
    symbols: {},
    messages: smtpMessage === undefined ? {} : { smtp_message: smtpMessage },
    addHeaders,
    removeHeaders: [],
    isSkipped: false,
    urls: [],
    emails: [],
    timeMs: 0,
  };
}

const cases: { action: Action; msg?: string; headers?: HeaderChange[]; want: string }[] = [
  { action: 'no action', want: 'DUNNO' },
  { action: 'rewrite subject', want: 'DUNNO' },
  { action: 'no action', headers: [{ name: 'X-Greylist', value: 'delayed 300 seconds' }], want: 'PREPEND X-Greylist: delayed 300 seconds' },
  {
    action: 'no action',
    headers: [
      { name: 'Received-SPF', value: 'pass' },
      { name: 'Authentication-Results', value: 'mx; spf=pass' },
    ],
    want: 'PREPEND Received-SPF: pass',
  },
  { action: 'add header', want: 'PREPEND X-Spam: Yes' },
  { action: 'add header', headers: [{ name: 'X-Other', value: '1' }], want: 'PREPEND X-Other: 1' },
  { action: 'reject', want: 'REJECT 5.7.1 Rejected as spam' },
  { action: 'reject', msg: 'Sender blocked', want: 'REJECT 5.7.1 Sender blocked' },
  { action: 'reject', msg: '5.7.0 Sender blocked', want: 'REJECT 5.7.0 Sender blocked' },
  { action: 'reject', msg: '554 5.7.1 Sender domain blocked', want: '554 5.7.1 Sender domain blocked' },
  { action: 'reject', msg: '550 Sender blocked', want: '550 5.7.1 Sender blocked' },
  { action: 'reject', msg: '451 4.3.0 try later', want: 'REJECT 5.7.1 try later', },
  { action: 'reject', msg: '554', want: '554 5.7.1 Rejected as spam' },
  { action: 'soft reject', want: 'DEFER 4.7.1 Try again later' },
  { action: 'soft reject', msg: '451 4.7.1 Slow down', want: '451 4.7.1 Slow down' },
  { action: 'soft reject', msg: '554 5.7.1 Blocked', want: 'DEFER 4.7.1 Blocked' },
  { action: 'greylist', want: 'DEFER_IF_PERMIT 4.7.1 Greylisted, please try again later' },
  { action: 'greylist', msg: 'Greylisted, see https://example.com/help', want: 'DEFER_IF_PERMIT 4.7.1 Greylisted, see https://example.com/help' },
  { action: 'greylist', msg: '450 4.2.0 Greylisted', want: 'DEFER_IF_PERMIT 4.2.0 Greylisted' },
  { action: 'discard', want: 'DISCARD 2.0.0 Discarded' },
  { action: 'quarantine', msg: 'Suspicious', want: 'HOLD 4.7.1 Suspicious' },
  { action: 'reject', msg: 'line one\nline two\r\naction=OK', want: 'REJECT 5.7.1 line one line two action=OK' },
];

for (const c of cases) {
  test(`reply: ${c.action}${c.msg !== undefined ? ` + ${JSON.stringify(c.msg)}` : ''}${c.headers ? ` + ${c.headers.length} header(s)` : ''}`, () => {
    assert.equal(policyAction(result(c.action, c.msg, c.headers)), c.want);
  });
}

test('reply: a header name already PREPENDed in this transaction is not repeated, whatever its value; the next one goes out', () => {
  const r = result('no action', undefined, [
    { name: 'X-Greylist', value: 'delayed 301 seconds' },
    { name: 'X-Two', value: '2' },
  ]);
  assert.equal(policyAction(r, { alreadyPrepended: new Set(['x-greylist']) }), 'PREPEND X-Two: 2');
  assert.equal(policyAction(r, { alreadyPrepended: new Set(['x-greylist', 'x-two']) }), 'DUNNO');
});

test('reply: header values cannot break the reply framing', () => {
  assert.equal(policyAction(result('no action', undefined, [{ name: 'X-A', value: 'a\n\naction=REJECT' }])), 'PREPEND X-A: a action=REJECT');
});

test('reply line and fail actions', () => {
  assert.equal(replyLine('DUNNO'), 'action=DUNNO\n\n');
  assert.equal(failAction('DUNNO'), 'DUNNO');
  assert.equal(failAction('DEFER'), 'DEFER 4.7.1 Try again later');
});
