// Interop: what Postfix does with winnow's milter options (discard/quarantine on reject, fail_action) and when winnow is down (milter_default_action).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SmtpSession } from '../../bench/lib/smtp-client.ts';
import { startDnsServer } from '../support/dns-server.ts';
import { freePort, startDaemon, type RunningDaemon } from '../support/daemon.ts';
import { headerValues, startPostfix, swaksErrorReplies, type RunningPostfix } from '../support/postfix.ts';
import {
  daemonConfig,
  GTUBE,
  isDelivered,
  type MilterFixtures,
  queuedAs,
  rcpt,
  sendSentinel,
  startMilterFixtures,
  STATUS_NO,
  waitForSubject,
  XCLIENT_CF,
} from './milter-harness.ts';

/** The fail_action case: DNS answers this late, the milter gives a scan this long. */
const SLOW_DNS_DELAY_MS = 2000;
const SHORT_SCAN_TIMEOUT_MS = 300;

let fx: MilterFixtures;
before(async () => {
  fx = await startMilterFixtures();
});
after(async () => {
  await fx?.close();
});

describe('milter options: discard_on_reject, quarantine_on_reject, fail_action', () => {
  test('discard_on_reject: GTUBE is answered 250 and dropped', async () => {
    const port = await freePort();
    const daemon = await startDaemon({ config: daemonConfig({ dns: fx.dns, mapDir: fx.mapDir, listen: [`127.0.0.1:${port}`], milter: '  discard_on_reject: true' }), workers: 1 });
    const pf = await startPostfix({ milters: [`inet:127.0.0.1:${port}`] });
    try {
      const id = queuedAs(await pf.sendWithSwaks({ from: 'gtube@example.com', to: rcpt('d'), headers: ['Subject: gtube discarded'], body: GTUBE }));
      await sendSentinel(pf, 'after gtube discarded');
      assert.equal(isDelivered(pf, 'gtube discarded'), false);
      assert.match(pf.log(), new RegExp(`${id}: milter-discard: END-OF-MESSAGE`));
    } finally {
      await pf.stop();
      await daemon.stop();
    }
  });

  test('quarantine_on_reject: GTUBE is answered 250 and held', async () => {
    const port = await freePort();
    const daemon = await startDaemon({ config: daemonConfig({ dns: fx.dns, mapDir: fx.mapDir, listen: [`127.0.0.1:${port}`], milter: '  quarantine_on_reject: true' }), workers: 1 });
    const pf = await startPostfix({ milters: [`inet:127.0.0.1:${port}`] });
    try {
      const id = queuedAs(await pf.sendWithSwaks({ from: 'gtube@example.com', to: rcpt('q'), headers: ['Subject: gtube held'], body: GTUBE }));
      await sendSentinel(pf, 'after gtube held');
      assert.equal((await pf.queue()).find((q) => q.queue_id === id)?.queue_name, 'hold');
      assert.match(pf.log(), new RegExp(`${id}: milter-hold: END-OF-MESSAGE from \\S+: milter triggers HOLD action; from=<gtube@example\\.com>`));
      assert.match(await pf.postcat(id), /^X-Spam-Status: Yes, /m);
    } finally {
      await pf.stop();
      await daemon.stop();
    }
  });


  test('fail_action: tempfail: a scan that times out is answered TEMPFAIL, which Postfix words itself', async () => {
    // A scan only yields to its timeout while it waits for I/O: DNS that answers after the milter's timeout_ms does it.
    const slowDns = await startDnsServer({}, { nxdomainAll: true, delayMs: SLOW_DNS_DELAY_MS });
    const port = await freePort();
    const milter = `  timeout_ms: ${SHORT_SCAN_TIMEOUT_MS}\n  fail_action: tempfail`;
    const config = daemonConfig({ dns: slowDns, mapDir: fx.mapDir, listen: [`127.0.0.1:${port}`], milter, dnsTimeoutMs: SLOW_DNS_DELAY_MS * 2 });
    const daemon = await startDaemon({ config, workers: 1 });
    const pf = await startPostfix({ milters: [`inet:127.0.0.1:${port}`], mainCf: XCLIENT_CF });
    // A TEST-NET client (RFC 5737) via XCLIENT: loopback clients skip the DNS checks (SPF, DNSBLs).
    const session = await SmtpSession.open({ host: '127.0.0.1', port: pf.port, xclient: { ADDR: '192.0.2.25', NAME: '[UNAVAILABLE]' } });
    try {
      const t = await session.send({ from: 'clean@example.com', to: [rcpt('t')], data: Buffer.from('From: clean@example.com\r\nSubject: scan times out\r\n\r\nhello\r\n') });
      assert.equal(t.reply.text, '451 4.7.1 Service unavailable - try again later');
      const line = await daemon.waitForLog(/milter scan failed/);
      assert.match(String(line.reason), new RegExp(`timed out after ${SHORT_SCAN_TIMEOUT_MS} ms`));
      assert.equal(line.failAction, 'tempfail');
    } finally {
      await session.quit();
      await pf.stop();
      await daemon.stop();
      await slowDns.close();
    }
  });
});

/**
 * What Postfix does when winnow is down: with `milter_default_action = tempfail` (3.7's default) the client is told
 * to retry; with `accept` the mail flows unscanned. Both instances use one daemon, which is stopped half-way.
 */
describe('fail-safe: winnow stopped, Postfix applies milter_default_action', () => {
  let daemon: RunningDaemon;
  let tempfail: RunningPostfix;
  let accept: RunningPostfix;

  before(async () => {
    const port = await freePort();
    daemon = await startDaemon({ config: daemonConfig({ dns: fx.dns, mapDir: fx.mapDir, listen: [`127.0.0.1:${port}`] }), workers: 1 });
    tempfail = await startPostfix({ milters: [`inet:127.0.0.1:${port}`], milterDefaultAction: 'tempfail' });
    accept = await startPostfix({ milters: [`inet:127.0.0.1:${port}`], milterDefaultAction: 'accept' });
  });

  after(async () => {
    await tempfail?.stop();
    await accept?.stop();
    await daemon?.stop();
  });

  test('while winnow runs, both instances deliver scanned mail', async () => {
    for (const pf of [tempfail, accept]) {
      queuedAs(await pf.sendWithSwaks({ from: 'clean@example.com', to: rcpt('up'), headers: ['Subject: winnow is up'] }));
      assert.match(headerValues((await waitForSubject(pf, 'winnow is up')).raw, 'X-Spam-Status')[0], STATUS_NO);
    }
  });

  test('winnow stopped: tempfail answers 451 4.7.1, accept delivers without winnow\'s headers', async () => {
    assert.equal(await daemon.stop(), 0);
    const r = await tempfail.sendWithSwaks({ from: 'clean@example.com', to: rcpt('down'), headers: ['Subject: winnow is down'] });
    const refusals = swaksErrorReplies(r.transcript);
    assert.ok(refusals.length >= 1, r.transcript);
    assert.match(refusals[0], /^451 4\.7\.1 Service unavailable - try again later$/);
    assert.notEqual(r.code, 0);

    queuedAs(await accept.sendWithSwaks({ from: 'clean@example.com', to: rcpt('down'), headers: ['Subject: winnow is down'] }));
    const msg = await waitForSubject(accept, 'winnow is down');
    assert.deepEqual(headerValues(msg.raw, 'X-Spam-Status'), []);
    assert.match(accept.log(), /warning: connect to Milter service inet:127\.0\.0\.1:\d+: Connection refused/);
  });
});
