import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Action, HeaderChange, ScanResult } from '../../core/types.ts';
import { failAction, policyAction, replyLine } from './reply.ts';
import type { AddressInfo } from 'node:net';
import { MemoryLogger } from '../../log/memory-logger.ts';
import { FailSafe } from './fail-safe.ts';
import { createPolicyServer, drainPolicyServer } from './server.ts';
import { PolicyClient } from './test-client.ts';
import { resultFixture } from '../../core/testing.ts';

function result(action: Action, smtpMessage?: string, addHeaders: HeaderChange[] = []): ScanResult {
  return resultFixture({ action, messages: smtpMessage === undefined ? {} : { smtp_message: smtpMessage }, addHeaders });
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

test('reply: X-Greylist is PREPENDed before the SPF headers, whatever order the checks added them in', () => {
  const spf = { name: 'Received-SPF', value: 'pass (mx: domain of a@b.example designates 192.0.2.1 as permitted sender)' };
  const ar = { name: 'Authentication-Results', value: 'mx; spf=pass smtp.mailfrom=b.example' };
  const grey = { name: 'X-Greylist', value: 'delayed 300 seconds by winnow' };
  const other = { name: 'X-Other', value: '1' };
  const r = result('no action', undefined, [other, spf, ar, grey]);
  assert.equal(policyAction(r), 'PREPEND X-Greylist: delayed 300 seconds by winnow');
  assert.equal(policyAction(r, { alreadyPrepended: new Set(['x-greylist']) }), `PREPEND Received-SPF: ${spf.value}`);
  assert.equal(policyAction(r, { alreadyPrepended: new Set(['x-greylist', 'received-spf']) }), `PREPEND Authentication-Results: ${ar.value}`);
  assert.equal(policyAction(r, { alreadyPrepended: new Set(['x-greylist', 'received-spf', 'authentication-results']) }), 'PREPEND X-Other: 1');
  assert.equal(policyAction(result('no action', undefined, [ar, spf])), `PREPEND Received-SPF: ${spf.value}`, 'listed order, not added order');
  assert.equal(policyAction(result('no action', undefined, [{ name: 'x-greylist', value: 'lower case' }, other])), 'PREPEND x-greylist: lower case');
  assert.equal(policyAction(result('no action', undefined, [other, { name: 'X-Two', value: '2' }])), 'PREPEND X-Other: 1', 'unlisted: first added');
});

test('reply: over one transaction the server PREPENDs X-Greylist, then each SPF header on the next recipients, then DUNNO', async () => {
  const log = new MemoryLogger();
  const headers = [
    { name: 'Received-SPF', value: 'pass' },
    { name: 'Authentication-Results', value: 'mx; spf=pass' },
    { name: 'X-Greylist', value: 'delayed 2 seconds' },
  ];
  const server = createPolicyServer({
    scanner: { scan: async () => result('no action', undefined, headers) },
    log,
    failSafe: new FailSafe('DUNNO', log),
    protocolStates: ['RCPT'],
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const c = await PolicyClient.open({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
  try {
    const ask = (rcpt: string, instance: string) =>
      c.ask({ request: 'smtpd_access_policy', protocol_state: 'RCPT', client_address: '192.0.2.1', sender: 'a@b.example', recipient: rcpt, instance });
    assert.equal(await ask('r1@example.org', 'tx1'), 'PREPEND X-Greylist: delayed 2 seconds');
    assert.equal(await ask('r2@example.org', 'tx1'), 'PREPEND Received-SPF: pass');
    assert.equal(await ask('r3@example.org', 'tx1'), 'PREPEND Authentication-Results: mx; spf=pass');
    assert.equal(await ask('r4@example.org', 'tx1'), 'DUNNO');
    assert.equal(await ask('r1@example.org', 'tx2'), 'PREPEND X-Greylist: delayed 2 seconds', 'a new transaction starts over');
  } finally {
    c.close();
    await drainPolicyServer(server, 1000);
  }
});

test('reply: header values cannot break the reply framing', () => {
  assert.equal(policyAction(result('no action', undefined, [{ name: 'X-A', value: 'a\n\naction=REJECT' }])), 'PREPEND X-A: a action=REJECT');
});

test('reply line and fail actions', () => {
  assert.equal(replyLine('DUNNO'), 'action=DUNNO\n\n');
  assert.equal(failAction('DUNNO'), 'DUNNO');
  assert.equal(failAction('DEFER'), 'DEFER 4.7.1 Try again later');
});
