// Interop: a private Postfix hands every message to the real daemon's milter (TCP, [::1], unix socket); swaks and an SMTP client see what Postfix did.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SmtpSession } from '../../bench/lib/smtp-client.ts';
import { freePort, startDaemon, type RunningDaemon } from '../support/daemon.ts';
import { headerBlock, headerValues, startPostfix, type RunningPostfix } from '../support/postfix.ts';
import {
  daemonConfig,
  dataRefusal,
  GREY_TEXT,
  GREYLIST_DELAY_S,
  GTUBE,
  GTUBE_REWRITE,
  IPV6,
  isDelivered,
  type MilterFixtures,
  queuedAs,
  rcpt,
  REJECT_TEXT,
  sendSentinel,
  startMilterFixtures,
  STATUS_NO,
  TEMPFAIL_TEXT,
  waitForSubject,
  XCLIENT_CF,
} from './milter-harness.ts';

/** How long past the greylisting delay a retry may still be deferred on a loaded machine. */
const GREYLIST_PASS_DEADLINE_MS = 10_000;
const RETRY_INTERVAL_MS = 300;

let fx: MilterFixtures;
before(async () => {
  fx = await startMilterFixtures();
});
after(async () => {
  await fx?.close();
});

describe('Postfix → winnow milter over TCP, [::1] and a unix socket', () => {
  let daemon: RunningDaemon;
  let postfix: RunningPostfix;
  let socketPostfix: RunningPostfix;
  let v6MilterPostfix: RunningPostfix | undefined;
  let sockDir: string;
  let sockPath: string;
  let v6Port: number;
  let tcpPort: number;

  before(async () => {
    // The daemon runs as root; Postfix's smtpd runs as `postfix` and must reach the socket through its directory.
    sockDir = mkdtempSync(join(tmpdir(), 'winnow-milter-sock-'));
    chmodSync(sockDir, 0o755);
    sockPath = join(sockDir, 'milter.sock');
    tcpPort = await freePort();
    v6Port = await freePort();
    const listen = [`127.0.0.1:${tcpPort}`, sockPath, ...(IPV6 ? [`[::1]:${v6Port}`] : [])];
    daemon = await startDaemon({ config: daemonConfig({ dns: fx.dns, mapDir: fx.mapDir, listen }), workers: 1 });
    assert.equal(daemon.listeners.milter, `127.0.0.1:${tcpPort}`);
    // No chmod here: winnow opens its unix sockets to local users itself (smtpd runs as `postfix`, the daemon as root).
    postfix = await startPostfix({ milters: [`inet:127.0.0.1:${tcpPort}`], ipv6: IPV6, mainCf: XCLIENT_CF });
    socketPostfix = await startPostfix({ milters: [`unix:${sockPath}`] });
    // Postfix only connects to an IPv6 milter with IPv6 on (inet_protocols = all); with ipv4 it skips it without a word.
    if (IPV6) v6MilterPostfix = await startPostfix({ milters: [`inet:[::1]:${v6Port}`], ipv6: true });
  });

  after(async () => {
    await postfix?.stop();
    await socketPostfix?.stop();
    await v6MilterPostfix?.stop();
    await daemon?.stop();
    if (sockDir) rmSync(sockDir, { recursive: true, force: true });
  });

  test('a clean message is delivered with X-Spam-Status: No and no X-Spam flag', async () => {
    const r = await postfix.sendWithSwaks({ from: 'clean@example.com', to: rcpt('clean'), headers: ['Subject: clean over tcp'] });
    queuedAs(r);
    const msg = await waitForSubject(postfix, 'clean over tcp');
    const [status] = headerValues(msg.raw, 'X-Spam-Status');
    assert.match(status, STATUS_NO, headerBlock(msg.raw));
    assert.deepEqual(headerValues(msg.raw, 'X-Spam'), []);
    const [result] = headerValues(msg.raw, 'X-Spamd-Result');
    assert.match(result, /^default: False \[/);
    assert.doesNotMatch(result, /T_IPV6_CLIENT/, 'the client was 127.0.0.1');
  });

  test('GTUBE is rejected at end of data with 550 5.7.1 and the scan\'s text', async () => {
    const r = await postfix.sendWithSwaks({ from: 'gtube@example.com', to: rcpt('gtube'), headers: ['Subject: gtube over tcp'], body: GTUBE });
    assert.equal(dataRefusal(r), '550 5.7.1 Gtube pattern');
    assert.match(postfix.log(), /milter-reject: END-OF-MESSAGE from \S+: 5\.7\.1 Gtube pattern; from=<gtube@example\.com>/);
    assert.equal(isDelivered(postfix, 'gtube over tcp'), false);
  });

  test('a score over the reject threshold gets 550 5.7.1 with the configured reject_message', async () => {
    const r = await postfix.sendWithSwaks({ from: 'spam@example.com', to: rcpt('spam'), headers: ['Subject: spam by score'] });
    assert.equal(dataRefusal(r), `550 5.7.1 ${REJECT_TEXT}`);
  });

  test('a forced greylist gets 451 4.7.1 with the check\'s text', async () => {
    const r = await postfix.sendWithSwaks({ from: 'grey@example.com', to: rcpt('grey'), headers: ['Subject: forced greylist'] });
    assert.equal(dataRefusal(r), `451 4.7.1 ${GREY_TEXT}`);
    assert.match(postfix.log(), new RegExp(`milter-reject: END-OF-MESSAGE from \\S+: 4\\.7\\.1 ${GREY_TEXT}; from=<grey@example\\.com>`));
  });

  test('a score in the greylist band is greylisted by the greylist check: 451 4.7.1 with the wait', async () => {
    const r = await postfix.sendWithSwaks({ from: 'band@example.com', to: rcpt('band'), headers: ['Subject: greylist band'] });
    assert.match(dataRefusal(r), /^451 4\.7\.1 Greylisted, please try again in \d+ seconds$/);
  });

  test('a greylisted message is accepted when retried after the delay, with X-Greylist', async () => {
    const send = () => postfix.sendWithSwaks({ from: 'band@example.com', to: rcpt('band-retry'), headers: ['Subject: greylisted then passed'] });
    assert.match(dataRefusal(await send()), /^451 4\.7\.1 Greylisted, please try again in \d+ seconds$/);
    await sleep(GREYLIST_DELAY_S * 1000);
    const deadline = Date.now() + GREYLIST_PASS_DEADLINE_MS;
    for (;;) {
      const r = await send();
      if (r.code === 0) break;
      assert.match(dataRefusal(r), /^451 4\.7\.1 /);
      assert.ok(Date.now() < deadline, `still deferred ${GREYLIST_PASS_DEADLINE_MS} ms after the delay:\n${r.transcript}`);
      await sleep(RETRY_INTERVAL_MS);
    }
    const msg = await waitForSubject(postfix, 'greylisted then passed');
    assert.match(headerValues(msg.raw, 'X-Greylist')[0] ?? '', /^delayed \d+ seconds by winnow-/);
    assert.match(headerValues(msg.raw, 'X-Spamd-Result')[0], /GREYLIST_PASS/);
  });

  test('soft reject without a text gets 451 4.7.1 with the configured tempfail_message', async () => {
    const r = await postfix.sendWithSwaks({ from: 'soft@example.com', to: rcpt('soft'), headers: ['Subject: soft reject'] });
    assert.equal(dataRefusal(r), `451 4.7.1 ${TEMPFAIL_TEXT}`);
  });

  test('add header: delivered with X-Spam: Yes and X-Spam-Status: Yes and the score', async () => {
    queuedAs(await postfix.sendWithSwaks({ from: 'header@example.com', to: rcpt('header'), headers: ['Subject: add header'] }));
    const msg = await waitForSubject(postfix, 'add header');
    assert.deepEqual(headerValues(msg.raw, 'X-Spam'), ['Yes']);
    const [status] = headerValues(msg.raw, 'X-Spam-Status');
    assert.match(status, /^Yes, score=6\.\d\d required=15\.00$/);
    assert.match(headerValues(msg.raw, 'X-Spamd-Result')[0], /T_HEADER\(7\.00\)/);
  });

  test('rewrite subject: the Subject is replaced, not duplicated', async () => {
    queuedAs(await postfix.sendWithSwaks({ from: 'rewrite@example.com', to: rcpt('rewrite'), headers: ['Subject: please rewrite'], body: GTUBE_REWRITE }));
    const msg = await waitForSubject(postfix, '***SPAM*** please rewrite');
    assert.deepEqual(headerValues(msg.raw, 'Subject'), ['***SPAM*** please rewrite']);
  });

  test('discard: Postfix says 250 but drops the message (maillog: milter-discard)', async () => {
    const id = queuedAs(await postfix.sendWithSwaks({ from: 'discard@example.com', to: rcpt('discard'), headers: ['Subject: to be discarded'] }));
    await sendSentinel(postfix, 'after the discard');
    assert.equal(isDelivered(postfix, 'to be discarded'), false);
    assert.match(postfix.log(), new RegExp(`${id}: milter-discard: END-OF-MESSAGE from \\S+: milter triggers DISCARD action; from=<discard@example\\.com>`));
    assert.equal((await postfix.queue()).some((q) => q.queue_id === id), false, 'not queued either');
  });

  /** Postfix 3.7 drops the QUARANTINE reason (it logs "milter triggers HOLD action"); only Sendmail keeps it. */
  test('quarantine: the message waits in the hold queue with winnow\'s headers', async () => {
    const id = queuedAs(await postfix.sendWithSwaks({ from: 'hold@example.com', to: rcpt('hold'), headers: ['Subject: to be held'] }));
    await sendSentinel(postfix, 'after the hold');
    assert.equal(isDelivered(postfix, 'to be held'), false);
    const held = (await postfix.queue()).find((q) => q.queue_id === id);
    assert.equal(held?.queue_name, 'hold', JSON.stringify(held));
    assert.match(postfix.log(), new RegExp(`${id}: milter-hold: END-OF-MESSAGE from \\S+: milter triggers HOLD action; from=<hold@example\\.com>`));
    const content = await postfix.postcat(id);
    assert.match(content, /^X-Spam-Status: /m);
    assert.match(content, /T_HOLD/);
  });

  test('forged X-Spam headers (two of them, any case) are removed; only winnow\'s verdict is delivered', async () => {
    const session = await SmtpSession.open({ host: '127.0.0.1', port: postfix.port });
    try {
      const raw = [
        'From: clean@example.com',
        `To: ${rcpt('forged')}`,
        'X-Spam: Yes',
        'Subject: forged verdict',
        'x-spam-status: Yes, score=99.00 required=1.00',
        'X-Spam: Yes',
        'X-Spamd-Result: default: True [99.00 / 1.00];',
        '\tFORGED(99.00)[]',
        'X-Other: kept',
        '',
        'body',
        '',
      ].join('\r\n');
      const t = await session.send({ from: 'clean@example.com', to: [rcpt('forged')], data: Buffer.from(raw) });
      assert.equal(t.accepted, true, t.reply.text);
    } finally {
      await session.quit();
    }
    const msg = await waitForSubject(postfix, 'forged verdict');
    assert.deepEqual(headerValues(msg.raw, 'X-Spam'), [], headerBlock(msg.raw));
    const statuses = headerValues(msg.raw, 'X-Spam-Status');
    assert.equal(statuses.length, 1, headerBlock(msg.raw));
    assert.match(statuses[0], STATUS_NO);
    const results = headerValues(msg.raw, 'X-Spamd-Result');
    assert.equal(results.length, 1);
    assert.doesNotMatch(results[0], /FORGED/);
    assert.deepEqual(headerValues(msg.raw, 'X-Other'), ['kept']);
  });

  test('two messages and a refusal in one SMTP session: each gets its own verdict', async () => {
    const session = await SmtpSession.open({ host: '127.0.0.1', port: postfix.port });
    try {
      const send = (from: string, subject: string, body: string) =>
        session.send({ from, to: [rcpt('session')], data: Buffer.from(`From: ${from}\r\nSubject: ${subject}\r\n\r\n${body}\r\n`) });
      const first = await send('gtube@example.com', 'session one', GTUBE);
      assert.equal(first.reply.text, '550 5.7.1 Gtube pattern');
      const second = await send('header@example.com', 'session two', 'hello');
      assert.equal(second.accepted, true, second.reply.text);
      const third = await send('clean@example.com', 'session three', 'hello again');
      assert.equal(third.accepted, true, third.reply.text);
    } finally {
      await session.quit();
    }
    const two = await waitForSubject(postfix, 'session two');
    const three = await waitForSubject(postfix, 'session three');
    assert.deepEqual(headerValues(two.raw, 'X-Spam'), ['Yes']);
    // Nothing of the earlier messages leaks into the last one's scan.
    assert.deepEqual(headerValues(three.raw, 'X-Spam'), []);
    assert.match(headerValues(three.raw, 'X-Spam-Status')[0], STATUS_NO);
    assert.doesNotMatch(headerValues(three.raw, 'X-Spamd-Result')[0], /GTUBE|T_HEADER/);
    assert.equal(isDelivered(postfix, 'session one'), false);
  });

  test('an authenticated client (XCLIENT LOGIN) is scanned with the `authenticated` profile', async () => {
    const authed = await postfix.sendWithSwaks({ from: 'alice@example.com', to: rcpt('authed'), headers: ['Subject: authenticated gtube'], body: GTUBE, xclientLogin: 'alice' });
    queuedAs(authed);
    const msg = await waitForSubject(postfix, 'authenticated gtube');
    // The profile disables GTUBE: scanned (a verdict header), not rejected.
    assert.match(headerValues(msg.raw, 'X-Spam-Status')[0], STATUS_NO);
    const anonymous = await postfix.sendWithSwaks({ from: 'alice@example.com', to: rcpt('authed'), headers: ['Subject: anonymous gtube'], body: GTUBE });
    assert.equal(dataRefusal(anonymous), '550 5.7.1 Gtube pattern');
  });

  test('an IPv6 SMTP client: the milter passes ::1 on to the scan', { skip: IPV6 ? false : 'no ::1 on this machine' }, async () => {
    const r = await postfix.sendWithSwaks({ server: '::1', from: 'clean@example.com', to: rcpt('v6'), headers: ['Subject: over ipv6'] });
    queuedAs(r);
    const msg = await waitForSubject(postfix, 'over ipv6');
    assert.match(msg.raw, /^Received: from \S+ \(unknown \[IPv6:::1\]\)/m);
    assert.match(headerValues(msg.raw, 'X-Spamd-Result')[0], /T_IPV6_CLIENT/);
    assert.match(headerValues(msg.raw, 'X-Spam-Status')[0], STATUS_NO);
  });

  test('Postfix reaches the milter over a unix socket: delivers with headers, rejects GTUBE', async () => {
    queuedAs(await socketPostfix.sendWithSwaks({ from: 'clean@example.com', to: rcpt('sock'), headers: ['Subject: clean over the socket'] }));
    const msg = await waitForSubject(socketPostfix, 'clean over the socket');
    assert.match(headerValues(msg.raw, 'X-Spam-Status')[0], STATUS_NO);
    const r = await socketPostfix.sendWithSwaks({ from: 'gtube@example.com', to: rcpt('sock'), body: GTUBE });
    assert.equal(dataRefusal(r), '550 5.7.1 Gtube pattern');
  });

  test('Postfix reaches the milter over IPv6 (inet:[::1]:port)', { skip: IPV6 ? false : 'no ::1 on this machine' }, async () => {
    const pf = v6MilterPostfix!;
    queuedAs(await pf.sendWithSwaks({ from: 'clean@example.com', to: rcpt('v6milter'), headers: ['Subject: milter over ipv6'] }));
    const msg = await waitForSubject(pf, 'milter over ipv6');
    assert.match(headerValues(msg.raw, 'X-Spam-Status')[0], STATUS_NO);
    assert.equal(dataRefusal(await pf.sendWithSwaks({ from: 'gtube@example.com', to: rcpt('v6milter'), body: GTUBE })), '550 5.7.1 Gtube pattern');
  });

  for (const protocol of ['2', '3', '4'] as const) {
    test(`milter_protocol = ${protocol}: forged headers go, verdict headers come, GTUBE is rejected`, async () => {
      const pf = await startPostfix({ milters: [`inet:127.0.0.1:${tcpPort}`], milterProtocol: protocol });
      try {
        queuedAs(await pf.sendWithSwaks({ from: 'clean@example.com', to: rcpt('p'), headers: [`Subject: protocol ${protocol}`, 'X-Spam: Yes'] }));
        const msg = await waitForSubject(pf, `protocol ${protocol}`);
        assert.match(headerValues(msg.raw, 'X-Spam-Status')[0], STATUS_NO);
        assert.deepEqual(headerValues(msg.raw, 'X-Spam'), []);
        assert.equal(dataRefusal(await pf.sendWithSwaks({ from: 'gtube@example.com', to: rcpt('p'), body: GTUBE })), '550 5.7.1 Gtube pattern');
        assert.doesNotMatch(pf.log(), /warning: .*milter/i);
      } finally {
        await pf.stop();
      }
    });
  }

  test('Postfix logged no milter errors', () => {
    for (const pf of [postfix, socketPostfix, v6MilterPostfix]) {
      if (pf) assert.doesNotMatch(pf.log(), /warning: .*milter|milter.*(error|timeout)/i);
    }
  });
});

