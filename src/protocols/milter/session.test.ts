// Milter sessions over a real loopback socket against a real Scanner: mapping, every verdict's replies, several messages, old protocol versions, fail-safe and size limit.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SMFIC } from './constants.ts';
import { framePacket } from './framing.ts';
import { MilterClient, splitMessage, type EobAnswer, type ReadReply } from './test-client.ts';
import { GTUBE, startMilter, tx, type Harness } from './test-support.ts';

async function withMilter(config: Record<string, unknown>, fn: (h: Harness) => Promise<void>): Promise<void> {
  const h = await startMilter(config);
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

const headersAdded = (a: EobAnswer) => a.modifications.filter((m) => m.type === 'addheader').map((m) => `${m.name}: ${m.value}`);

test('a clean message: ACCEPT with X-Spam-Status added; envelope, macros and bytes reach the scan', () =>
  withMilter({}, async (h) => {
    const c = await h.session('192.0.2.10');
    const a = await c.transaction({ ...tx('alice@example.com'), mailMacros: { '{auth_type}': 'none' } });
    assert.deepEqual(a.final, { type: 'accept' });
    assert.deepEqual(headersAdded(a), ['X-Spam-Status: No, score=0.00 required=15.00']);
    assert.equal(a.modifications.length, 1);
    const r = h.seen[0];
    assert.equal(r.clientIp, '192.0.2.10');
    assert.equal(r.hostname, 'client.example');
    assert.equal(r.helo, 'client.example');
    assert.equal(r.mailFrom, 'alice@example.com');
    assert.deepEqual(r.rcptTo, ['bob@example.org']);
    assert.equal(r.queueId, '4Q1ABC');
    assert.equal(r.facts?.j, 'mx.example.net');
    assert.equal(r.facts?.auth_type, 'none');
    const text = Buffer.from(r.message!).toString();
    assert.ok(text.startsWith('From: Alice <alice@example.com>\r\nTo: Bob <bob@example.org>\r\n'), text);
    assert.ok(text.endsWith('\r\n\r\nHello Bob,\r\nsee you on Friday.\r\n'), text);
  }));

test('GTUBE: REPLYCODE 550 5.7.1 with the check text, no header edits', () =>
  withMilter({}, async (h) => {
    const c = await h.session();
    const a = await c.transaction(tx('alice@example.com', [], `${GTUBE}\r\n`));
    assert.deepEqual(a.final, { type: 'replycode', text: '550 5.7.1 Gtube pattern' });
    assert.deepEqual(a.modifications, []);
  }));

test('a forged X-Spam is removed (every copy, last first) and winnow adds its own verdict', () =>
  withMilter({}, async (h) => {
    const c = await h.session();
    const a = await c.transaction(tx('alice@example.com', [['X-Spam', 'No'], ['X-Spam-Status', 'No, score=-99'], ['x-spam', 'No']]));
    assert.deepEqual(a.modifications.filter((m) => m.type === 'chgheader'), [
      { type: 'chgheader', index: 2, name: 'X-Spam', value: '' },
      { type: 'chgheader', index: 1, name: 'X-Spam', value: '' },
      { type: 'chgheader', index: 1, name: 'X-Spam-Status', value: '' },
    ]);
    assert.deepEqual(headersAdded(a), ['X-Spam-Status: No, score=0.00 required=15.00']);
    assert.deepEqual(a.final, { type: 'accept' });
  }));

test('greylist and soft reject: 4xx REPLYCODE with the check text or tempfail_message', () =>
  withMilter({ tempfail_message: 'Please retry' }, async (h) => {
    const c = await h.session();
    assert.deepEqual((await c.transaction(tx('grey@example.com'))).final, { type: 'replycode', text: '451 4.7.1 Greylisted, come back later' });
    assert.deepEqual((await c.transaction(tx('soft@example.com'))).final, { type: 'replycode', text: '451 4.7.1 Please retry' });
  }));

test('discard → DISCARD; quarantine → header edits, QUARANTINE with the reason, ACCEPT', () =>
  withMilter({}, async (h) => {
    const c = await h.session();
    const d = await c.transaction(tx('discard@example.com'));
    assert.deepEqual(d, { modifications: [], final: { type: 'discard' }, progress: 0 });
    const q = await c.transaction(tx('quarantine@example.com', [['X-Spam', 'No']]));
    assert.deepEqual(q.modifications, [
      { type: 'chgheader', index: 1, name: 'X-Spam', value: '' },
      { type: 'addheader', name: 'X-Spam', value: 'Yes' },
      { type: 'addheader', name: 'X-Spam-Status', value: 'Yes, score=0.00 required=15.00' },
      { type: 'quarantine', reason: 'Suspicious sender' },
    ]);
    assert.deepEqual(q.final, { type: 'accept' });
  }));

test('discard_on_reject and quarantine_on_reject turn a reject into DISCARD / QUARANTINE', async () => {
  await withMilter({ discard_on_reject: true }, async (h) => {
    const c = await h.session();
    assert.deepEqual((await c.transaction(tx('a@example.com', [], GTUBE))).final, { type: 'discard' });
  });
  await withMilter({ quarantine_on_reject: true, quarantine_reason: 'held: spam' }, async (h) => {
    const c = await h.session();
    const a = await c.transaction(tx('a@example.com', [], GTUBE));
    assert.deepEqual(a.modifications.at(-1), { type: 'quarantine', reason: 'held: spam' });
    assert.ok(headersAdded(a).includes('X-Spam: Yes'), 'a held message carries the verdict');
    assert.deepEqual(a.final, { type: 'accept' });
  });
});

test('rewrite subject: CHGHEADER Subject, X-Spam added', () =>
  withMilter({}, async (h) => {
    const c = await h.session();
    const a = await c.transaction(tx('spammy@example.com'));
    assert.deepEqual(a.modifications[0], { type: 'chgheader', index: 1, name: 'Subject', value: '***SPAM*** Lunch' });
    assert.deepEqual(headersAdded(a), ['X-Spam: Yes', 'X-Spam-Status: Yes, score=10.00 required=15.00']);
    assert.deepEqual(a.final, { type: 'accept' });
  }));

test('several messages on one connection, ABORT between them: each scanned with its own envelope', () =>
  withMilter({}, async (h) => {
    const c = await h.session();
    assert.equal((await c.transaction(tx('alice@example.com'))).final.type, 'accept');
    assert.equal((await c.transaction(tx('grey@example.com'))).final.type, 'replycode');
    // An aborted message (RSET) leaves nothing behind for the next one.
    c.macros('M', { '{auth_authen}': 'mallory' });
    c.send(SMFIC.MAIL, Buffer.from('<spammy@example.com>\0'));
    c.send(SMFIC.RCPT, Buffer.from('<x@example.org>\0'));
    c.abort();
    assert.equal((await c.transaction(tx('carol@example.com'))).final.type, 'accept');
    assert.deepEqual(h.seen.map((r) => [r.mailFrom, r.rcptTo, r.user]), [
      ['alice@example.com', ['bob@example.org'], undefined],
      ['grey@example.com', ['bob@example.org'], undefined],
      ['carol@example.com', ['bob@example.org'], undefined],
    ]);
  }));

test('a whole transaction pipelined in one write is answered once, in order', () =>
  withMilter({}, async (h) => {
    const c = await h.session();
    const { headers, body } = splitMessage(`From: a@example.com\r\nSubject: pipelined\r\nX-Spam: forged\r\n\r\n${GTUBE}\r\n`);
    const packets = [
      framePacket(SMFIC.MAIL, Buffer.from('<a@example.com>\0')),
      framePacket(SMFIC.RCPT, Buffer.from('<b@example.org>\0')),
      ...headers.map(([n, v]) => framePacket(SMFIC.HEADER, Buffer.from(`${n}\0${v}\0`))),
      framePacket(SMFIC.EOH),
      framePacket(SMFIC.BODY, body),
      framePacket(SMFIC.BODYEOB),
      framePacket(SMFIC.ABORT),
      framePacket(SMFIC.MAIL, Buffer.from('<b@example.com>\0')),
      framePacket(SMFIC.RCPT, Buffer.from('<c@example.org>\0')),
      framePacket(SMFIC.HEADER, Buffer.from('Subject\0two\0')),
      framePacket(SMFIC.EOH),
      framePacket(SMFIC.BODYEOB),
    ];
    c.write(Buffer.concat(packets));
    assert.deepEqual((await c.readAnswer()).final, { type: 'replycode', text: '550 5.7.1 Gtube pattern' });
    const second = await c.readAnswer();
    assert.deepEqual(second.final, { type: 'accept' });
    assert.deepEqual(h.seen.map((r) => r.mailFrom), ['a@example.com', 'b@example.com']);
    assert.equal(Buffer.from(h.seen[1].message!).toString(), 'Subject: two\r\n\r\n');
  }));

test('IPv6 and unix-family CONNECTs map the client address', () =>
  withMilter({}, async (h) => {
    const v6 = await h.session('2001:db8::5');
    await v6.transaction(tx('alice@example.com'));
    assert.equal(h.seen[0].clientIp, '2001:db8::5');
    assert.equal(h.seen[0].facts?.client_family, '6');
    const local = await MilterClient.open(h.target);
    await local.negotiate();
    local.macros('C', { '{client_addr}': '198.51.100.9' });
    await local.connect('localhost', 'L', 0, '/var/spool/postfix/public/pickup');
    await local.transaction(tx('alice@example.com'));
    assert.equal(h.seen[1].clientIp, '198.51.100.9');
    assert.equal(h.seen[1].facts?.client_family, 'L');
  }));

test('milter protocol 2 (no no-reply bits): every event answered CONTINUE, the verdict at end of body', () =>
  withMilter({}, async (h) => {
    const c = await MilterClient.open(h.target);
    const n = await c.negotiate({ version: 2, actions: 0x3f, protocol: 0x7f });
    assert.deepEqual(n, { version: 2, actions: 0x31, protocol: 0 });
    assert.deepEqual(await c.connect('client.example', '4', 1, '192.0.2.3'), { type: 'continue' });
    assert.deepEqual(await c.helo('client.example'), { type: 'continue' });
    assert.deepEqual(await c.event('M', Buffer.from('<a@example.com>\0SIZE=10\0')), { type: 'continue' });
    assert.deepEqual(await c.event('R', Buffer.from('<b@example.org>\0')), { type: 'continue' });
    assert.deepEqual(await c.event('L', Buffer.from('Subject\0x\0')), { type: 'continue' });
    assert.deepEqual(await c.event('N'), { type: 'continue' });
    assert.deepEqual(await c.event('B', Buffer.from(`${GTUBE}\r\n`)), { type: 'continue' });
    assert.deepEqual(await c.event('U', Buffer.from('XFOO\0')), { type: 'continue' });
    assert.deepEqual((await c.endOfBody()).final, { type: 'replycode', text: '550 5.7.1 Gtube pattern' });
  }));

test('authenticated senders: skip → ACCEPT unscanned (at MAIL when the MTA waits for a reply there)', () =>
  withMilter({ authenticated: 'skip' }, async (h) => {
    const c = await h.session();
    const a = await c.transaction({ ...tx('alice@example.com', [], GTUBE), mailMacros: { '{auth_authen}': 'alice' } });
    assert.deepEqual(a, { modifications: [], final: { type: 'accept' }, progress: 0 });
    assert.equal(h.seen.length, 0);
    assert.equal((await c.transaction(tx('bob@example.com', [], GTUBE))).final.type, 'replycode', 'the next, unauthenticated message is scanned');
    const old = await MilterClient.open(h.target);
    await old.negotiate({ version: 2, actions: 0x3f, protocol: 0x7f });
    await old.connect('client.example', '4', 1, '192.0.2.3');
    old.macros('M', { '{auth_authen}': 'alice' });
    assert.deepEqual(await old.event('M', Buffer.from('<alice@example.com>\0')), { type: 'accept' });
  }));

test('local_networks and a settings profile: local mail scanned with the outbound profile', () =>
  withMilter({ authenticated: 'outbound', local_networks: ['192.0.2.0/28'], settings_id: 'inbound' }, async (h) => {
    const local = await h.session('192.0.2.5');
    assert.equal((await local.transaction(tx('grey@example.com'))).final.type, 'accept', 'outbound profile disables the test check');
    const remote = await h.session('203.0.113.5');
    await remote.transaction(tx('alice@example.com'));
    const authed = await h.session('203.0.113.6');
    await authed.transaction({ ...tx('alice@example.com'), mailMacros: { '{auth_authen}': 'alice' } });
    assert.deepEqual(h.seen.map((r) => [r.clientIp, r.settingsId, r.user]), [
      ['192.0.2.5', 'outbound', undefined],
      ['203.0.113.5', 'inbound', undefined],
      ['203.0.113.6', 'outbound', 'alice'],
    ]);
  }));

test('a slow scan sends PROGRESS while it runs', () =>
  withMilter({ progress_interval_ms: 40 }, async (h) => {
    const c = await h.session();
    const a = await c.transaction(tx('slow300@example.com'));
    assert.ok(a.progress >= 3, `progress replies: ${a.progress}`);
    assert.equal(a.final.type, 'accept');
  }));

test('scan timeout: fail_action answers (accept, then tempfail), logged once per incident', async () => {
  await withMilter({ timeout_ms: 100 }, async (h) => {
    const c = await h.session();
    assert.deepEqual((await c.transaction(tx('hang@example.com'))).final, { type: 'accept' });
    assert.deepEqual((await c.transaction(tx('hang@example.com'))).final, { type: 'accept' });
    const lines = h.log.records.filter((r) => r.msg.startsWith('milter scan failed'));
    assert.equal(lines.length, 1);
    assert.match(String(lines[0].fields.reason), /timed out after 100 ms/);
    assert.equal((await c.transaction(tx('alice@example.com'))).final.type, 'accept');
    assert.equal(h.log.records.filter((r) => r.msg.includes('fail-safe incident over')).length, 1);
  });
  await withMilter({ timeout_ms: 100, fail_action: 'tempfail' }, async (h) => {
    const c = await h.session();
    assert.deepEqual((await c.transaction(tx('hang@example.com'))).final, { type: 'tempfail' });
  });
});

test('a failing check: tempfail replaces an accept, a reject from the other checks stands', () =>
  withMilter({ fail_action: 'tempfail' }, async (h) => {
    const c = await h.session();
    assert.deepEqual(await c.transaction(tx('boom@example.com')), { modifications: [], final: { type: 'tempfail' }, progress: 0 });
    assert.deepEqual((await c.transaction(tx('boom@example.com', [], GTUBE))).final, { type: 'replycode', text: '550 5.7.1 Gtube pattern' });
    assert.equal(h.log.records.filter((r) => r.msg.startsWith('checks failed during milter scans')).length, 1);
  }));

test('oversize: not buffered nor scanned; size_action at end of body, or at once when the MTA waits for body replies', () =>
  withMilter({ max_message_size: 2048, size_action: 'reject' }, async (h) => {
    const big = 'x'.repeat(1000) + '\r\n';
    const c = await h.session();
    const a = await c.transaction(tx('alice@example.com', [], big.repeat(5)));
    assert.deepEqual(a.final, { type: 'replycode', text: '552 5.3.4 Message too big' });
    assert.equal(h.seen.length, 0);
    assert.equal((await c.transaction(tx('alice@example.com', [], 'small\r\n'))).final.type, 'accept');
    assert.equal(h.log.records.filter((r) => r.msg.includes('over max_message_size')).length, 1);
    // Protocol 2: the answer goes out with the body chunk that crossed the limit.
    const old = await MilterClient.open(h.target);
    await old.negotiate({ version: 2, actions: 0x3f, protocol: 0x7f });
    await old.connect('client.example', '4', 1, '192.0.2.3');
    await old.event('M', Buffer.from('<a@example.com>\0'));
    await old.event('R', Buffer.from('<b@example.org>\0'));
    await old.event('N');
    const replies: (ReadReply | 'closed' | undefined)[] = [];
    for (let i = 0; i < 3; i++) replies.push(await old.event('B', Buffer.from(big)));
    assert.deepEqual(replies, [{ type: 'continue' }, { type: 'continue' }, { type: 'replycode', text: '552 5.3.4 Message too big' }]);
  }));

test('size_action accept and tempfail', async () => {
  for (const [action, want] of [['accept', { type: 'accept' }], ['tempfail', { type: 'replycode', text: '452 4.3.4 Message too big, try again later' }]] as const) {
    await withMilter({ max_message_size: 100, size_action: action }, async (h) => {
      const c = await h.session();
      assert.deepEqual((await c.transaction(tx('alice@example.com', [], 'y'.repeat(500)))).final, want);
    });
  }
});
