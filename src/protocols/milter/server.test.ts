// The milter listener over real sockets: bad input closes only the offending connection with one log line; unix sockets; QUIT/QUIT_NC; drain.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { SMFIC } from './constants.ts';
import { framePacket, MAX_PAYLOAD_BYTES } from './framing.ts';
import { drainMilterServer } from './server.ts';
import { MilterClient } from './test-client.ts';
import { GTUBE, startMilter, tx, type Harness } from './test-support.ts';

const len = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const BROKE = 'milter client broke the protocol; closing the connection';

interface BadCase {
  name: string;
  /** Sent after OPTNEG/CONNECT/HELO (or instead of them with `raw`). */
  bytes: Buffer;
  raw?: boolean;
  /** Half-close after sending (a truncated packet then the end of the stream). */
  end?: boolean;
  reason: RegExp;
}

const cases: BadCase[] = [
  { name: 'zero length', bytes: len(0), reason: /zero length/ },
  { name: 'huge length', bytes: Buffer.concat([len(0x7fffffff), Buffer.from('B')]), reason: /packet too large/ },
  { name: 'one byte over the payload limit', bytes: len(MAX_PAYLOAD_BYTES + 2), reason: /packet too large/ },
  { name: 'truncated packet, then the stream ends', bytes: framePacket(SMFIC.HEADER, Buffer.from('Subject\0hello\0')).subarray(0, 9), end: true, reason: /middle of a packet/ },
  { name: 'unknown command', bytes: framePacket(0x5a), reason: /unknown command 0x5a/ },
  { name: 'BODY before MAIL', bytes: framePacket(SMFIC.BODY, Buffer.from('hi\r\n')), reason: /BODY out of order \(state session\)/ },
  { name: 'end of body before MAIL', bytes: framePacket(SMFIC.BODYEOB), reason: /EOB out of order/ },
  { name: 'RCPT before MAIL', bytes: framePacket(SMFIC.RCPT, Buffer.from('<b@example.org>\0')), reason: /RCPT out of order/ },
  { name: 'a second CONNECT', bytes: framePacket(SMFIC.CONNECT, Buffer.from('h\0U')), reason: /CONNECT out of order/ },
  { name: 'a second OPTNEG', bytes: framePacket(SMFIC.OPTNEG, Buffer.alloc(12)), reason: /OPTNEG out of order/ },
  { name: 'HELO before OPTNEG', raw: true, bytes: framePacket(SMFIC.HELO, Buffer.from('x\0')), reason: /HELO out of order \(state optneg\)/ },
  { name: 'OPTNEG from a version-1 MTA', raw: true, bytes: framePacket(SMFIC.OPTNEG, Buffer.concat([len(1), len(0xf), len(0x3f)])), reason: /below 2/ },
  { name: 'malformed HEADER payload', bytes: Buffer.concat([framePacket(SMFIC.MAIL, Buffer.from('<a@b>\0')), framePacket(SMFIC.RCPT, Buffer.from('<c@d>\0')), framePacket(SMFIC.HEADER, Buffer.from('Subject'))]), reason: /HEADER is not/ },
];

async function withMilter(fn: (h: Harness) => Promise<void>, config: Record<string, unknown> = {}): Promise<void> {
  const h = await startMilter(config);
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

for (const c of cases) {
  test(`bad input closes only that connection, one log line: ${c.name}`, () =>
    withMilter(async (h) => {
      const bystander = await h.session();
      const bad = c.raw ? await MilterClient.open(h.target) : await h.session();
      bad.write(c.bytes);
      if (c.end) bad.socket.end();
      await bad.closed;
      const lines = h.log.records.filter((r) => r.msg === BROKE);
      assert.equal(lines.length, 1, JSON.stringify(h.log.records));
      assert.match(String(lines[0].fields.reason), c.reason);
      assert.equal(lines[0].level, 'warn');
      // The other connection, open all along, still works, and new ones too.
      assert.deepEqual((await bystander.transaction(tx('a@example.com', [], GTUBE))).final, { type: 'replycode', text: '550 5.7.1 Gtube pattern' });
      const fresh = await h.session();
      assert.equal((await fresh.transaction(tx('a@example.com'))).final.type, 'accept');
      assert.equal(h.log.records.filter((r) => r.msg === BROKE).length, 1);
    }));
}

test('a unix socket listener speaks the same protocol', async () => {
  const h = await startMilter({}, { unix: true });
  try {
    assert.ok('path' in h.target);
    const c = await h.session('2001:db8::7');
    assert.deepEqual((await c.transaction(tx('a@example.com', [], GTUBE))).final, { type: 'replycode', text: '550 5.7.1 Gtube pattern' });
    assert.equal(h.seen[0].clientIp, '2001:db8::7');
  } finally {
    await h.close();
  }
});

test('QUIT closes the connection; QUIT_NC starts a new session on the same socket', () =>
  withMilter(async (h) => {
    const c = await h.session('192.0.2.1');
    await c.transaction(tx('a@example.com'));
    c.send(SMFIC.QUIT_NC);
    await c.connect('other.example', '4', 2, '192.0.2.99');
    await c.helo('other.example');
    await c.transaction(tx('b@example.com'));
    assert.deepEqual(h.seen.map((r) => [r.clientIp, r.helo]), [
      ['192.0.2.1', 'client.example'],
      ['192.0.2.99', 'other.example'],
    ]);
    c.send(SMFIC.QUIT);
    await c.closed;
    assert.equal(h.log.records.filter((r) => r.level === 'warn').length, 0);
  }));

test('the MTA ending its side right after end of body still gets the answer', () =>
  withMilter(async (h) => {
    const c = await h.session();
    c.send(SMFIC.MAIL, Buffer.from('<a@example.com>\0'));
    c.send(SMFIC.RCPT, Buffer.from('<b@example.org>\0'));
    c.send(SMFIC.BODY, Buffer.from(`${GTUBE}\r\n`));
    c.send(SMFIC.BODYEOB);
    c.socket.end();
    assert.deepEqual(await c.next(), { type: 'replycode', text: '550 5.7.1 Gtube pattern' });
    await c.closed;
  }));

test('drain: idle connections close at once, a message in progress gets its answer first', async () => {
  const h = await startMilter();
  const idle = await h.session();
  const busy = await h.session();
  await idle.transaction(tx('a@example.com'));
  const answer = busy.transaction(tx('slow300@example.com'));
  await sleep(50);
  const drained = drainMilterServer(h.server, 5000);
  await idle.closed;
  assert.equal((await answer).final.type, 'accept');
  await Promise.all([busy.closed, drained]);
  await h.close();
});

test('a connection mid-message when the drain starts: the rest of the message still arrives and is answered', async () => {
  const h = await startMilter();
  const c = await h.session();
  c.send(SMFIC.MAIL, Buffer.from('<a@example.com>\0'));
  c.send(SMFIC.RCPT, Buffer.from('<b@example.org>\0'));
  await sleep(30);
  const drained = drainMilterServer(h.server, 5000);
  await sleep(30);
  c.send(SMFIC.BODY, Buffer.from(`${GTUBE}\r\n`));
  assert.deepEqual((await c.endOfBody()).final, { type: 'replycode', text: '550 5.7.1 Gtube pattern' });
  await Promise.all([c.closed, drained]);
  await h.close();
});
