// Interop with the real checks: a private Postfix asks the daemon (greylist, SPF, ratelimit over loopback DNS) through `check_policy_service`; swaks sees the replies.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PolicyClient } from '../../src/protocols/policy/test-client.ts';
import { startDnsServer, type DnsServer } from '../support/dns-server.ts';
import { freePort, startDaemon, type RunningDaemon } from '../support/daemon.ts';
import { startPostfix, TEST_DOMAIN, type RunningPostfix, type SwaksResult } from '../support/postfix.ts';

/** Test-shortened greylisting delay (postgrey's is 300 s). */
const GREYLIST_DELAY_S = 2;
/** How long past the delay a retry may still be deferred before the test gives up (a loaded 2-core machine). */
const GREYLIST_PASS_DEADLINE_MS = 10_000;
const RETRY_INTERVAL_MS = 300;
/** Tokens of the per-sender rate limit: the third request of one sender within the window is refused. */
const RATE_BURST = 2;
const RATE_TEXT = 'Rate limit exceeded for this sender';

/** Senders: each case has its own, so the per-sender buckets and greylist triplets of one case never meet another's. */
const GREY_SENDER = 'a@pass-not-pool.example';
const SPF_FAIL_SENDER = 'x@fail.example';
const LIMITED_SENDER = 'limited@pass.example';

/**
 * The SPF zones. `pass-not-pool.example` passes for loopback but is not on the shipped SPF-pool list
 * (rules/greylist-spf-pools.txt), so greylisting is not skipped for it.
 */
const ZONES = {
  'pass.example': { TXT: ['v=spf1 ip4:127.0.0.0/8 -all'] },
  'pass-not-pool.example': { TXT: ['v=spf1 ip4:127.0.0.0/8 -all'] },
  'fail.example': { TXT: ['v=spf1 -all'] },
};

/**
 * - `skip_networks: []`: the default skips 127.0.0.0/8 (mynetworks), and swaks connects from 127.0.0.1.
 * - `add_received_spf: false`: a policy reply carries one PREPEND, the first header a check added; SPF runs first,
 *   so with Received-SPF on, the passing retry would get `PREPEND Received-SPF: ...` and X-Greylist would be lost.
 * - ratelimit has no per-sender scope: every sender gets a bucket of RATE_BURST tokens. The refill rate is one
 *   token per greylisting delay, so the greylisted sender (new, early retry, passing retry: three requests) has a
 *   token again exactly when its triplet may pass, while three recipients in one SMTP session (milliseconds apart)
 *   cannot refill one. The limited sender is on the greylist sender whitelist, so its first two recipients are
 *   accepted at once instead of deferred (which would also take tokens, but prove less).
 */
function daemonConfig(dns: DnsServer, policyPort: number, senderWhitelist: string): string {
  return `
dns: { servers: ['${dns.address}'], timeout_ms: 1000, tries: 2 }
policy: { listen: ['127.0.0.1:${policyPort}'], protocol_states: [RCPT] }
checks:
  spf: { skip_networks: [], add_received_spf: false }
  greylist: { delay_s: ${GREYLIST_DELAY_S}, retry_window_s: 3600, max_age_s: 86400, whitelist_senders: [${JSON.stringify(senderWhitelist)}] }
  ratelimit:
    enabled: true
    limits:
      - { name: per_sender, key: [sender], rate: '1/${GREYLIST_DELAY_S}s', burst: ${RATE_BURST}, message: '451 4.7.1 ${RATE_TEXT}, try again in %s seconds' }
`;
}

let dns: DnsServer;
let daemon: RunningDaemon;
let postfix: RunningPostfix;
let listDir: string;

before(async () => {
  dns = await startDnsServer(ZONES);
  listDir = mkdtempSync(join(tmpdir(), 'winnow-policy-checks-'));
  const senderWhitelist = join(listDir, 'greylist-senders.txt');
  writeFileSync(senderWhitelist, `${LIMITED_SENDER}\n`);
  const policyPort = await freePort();
  // One worker: Postfix's smtpd keeps one policy connection per process, so a second worker would hardly see a
  // request; and two workers opening a fresh SQLite store race on `PRAGMA journal_mode = WAL` ("database is
  // locked" at startup, a few % of starts), a daemon bug this file is not about.
  daemon = await startDaemon({ config: daemonConfig(dns, policyPort, senderWhitelist), workers: 1 });
  assert.equal(daemon.listeners.policy, `127.0.0.1:${policyPort}`);
  // permit_mynetworks comes after the policy service: first, 127.0.0.1 is in the harness's mynetworks and the
  // policy would never be asked; second, it shows DEFER_IF_PERMIT deferring even when a later restriction permits.
  postfix = await startPostfix({
    recipientRestrictions: ['reject_unauth_destination', `check_policy_service inet:127.0.0.1:${policyPort}`, 'permit_mynetworks'],
  });
});

after(async () => {
  await postfix?.stop();
  await daemon?.stop();
  await dns?.close();
  if (listDir) rmSync(listDir, { recursive: true, force: true });
});

const rcpt = (local: string) => `${local}@${TEST_DOMAIN}`;

/** swaks marks the server's error replies with `<**`. */
function errorReplies(transcript: string): string[] {
  return transcript.split('\n').filter((l) => l.startsWith('<**')).map((l) => l.slice(4).trim());
}

/** The one error reply of a transaction refused at RCPT (swaks exits 24 then). */
function rcptRefusal(r: SwaksResult): string {
  assert.equal(r.code, 24, `swaks exits 24 when every RCPT is refused:\n${r.transcript}`);
  const replies = errorReplies(r.transcript);
  assert.equal(replies.length, 1, r.transcript);
  return replies[0];
}

function headerBlock(raw: string): string {
  const end = raw.search(/\r?\n\r?\n/);
  return end < 0 ? raw : raw.slice(0, end);
}

const GREYLISTED = /^450 4\.7\.1 .*Greylisted, please try again in (\d+) seconds$/;

test('greylisting: a new triplet is deferred, an early retry too, a retry after the delay is accepted with X-Greylist', async () => {
  const to = rcpt('grey');
  const subject = 'Subject: greylisted then delivered';
  const first = rcptRefusal(await postfix.sendWithSwaks({ from: GREY_SENDER, to, headers: [subject] }));
  const firstAt = Date.now();
  const wait = GREYLISTED.exec(first);
  assert.ok(wait, `450 with winnow's greylisting text: ${first}`);
  assert.ok(Number(wait[1]) >= 1 && Number(wait[1]) <= GREYLIST_DELAY_S, first);

  const early = rcptRefusal(await postfix.sendWithSwaks({ from: GREY_SENDER, to, headers: [subject] }));
  assert.match(early, GREYLISTED);

  await sleep(Math.max(0, firstAt + GREYLIST_DELAY_S * 1000 - Date.now()));
  const deadline = Date.now() + GREYLIST_PASS_DEADLINE_MS;
  const before = postfix.deliveredMessages().length;
  for (;;) {
    const r = await postfix.sendWithSwaks({ from: GREY_SENDER, to, headers: [subject] });
    if (r.code === 0) break;
    // Only a deferral may come back meanwhile: greylisting at the edge of the delay, or the bucket refilling.
    assert.match(rcptRefusal(r), /^45[01] 4\.7\.1 /);
    assert.ok(Date.now() < deadline, `still deferred ${GREYLIST_PASS_DEADLINE_MS} ms after the delay:\n${r.transcript}`);
    await sleep(RETRY_INTERVAL_MS);
  }
  const got = await postfix.waitForDelivery(before + 1);
  const msg = got.find((m) => m.raw.includes(subject));
  assert.ok(msg, 'the accepted retry is delivered');
  const headers = headerBlock(msg.raw);
  assert.match(headers, /^X-Greylist: delayed \d+ seconds by winnow-\S+; .+$/m);
  const delayed = Number(/^X-Greylist: delayed (\d+) seconds/m.exec(headers)![1]);
  assert.ok(delayed >= GREYLIST_DELAY_S, `delayed ${delayed} s, at least the ${GREYLIST_DELAY_S} s delay`);
  assert.match(postfix.log(), /NOQUEUE: reject: RCPT from .*: 450 4\.7\.1 .*Greylisted, please try again in \d+ seconds; from=<a@pass-not-pool\.example>/);
});

test('SPF fail: the sender is rejected at RCPT with 550 5.7.23', async () => {
  const reply = rcptRefusal(await postfix.sendWithSwaks({ from: SPF_FAIL_SENDER, to: rcpt('spf') }));
  assert.match(reply, /^550 5\.7\.23 .*SPF fail: fail\.example does not allow 127\.0\.0\.1 to send mail for x@fail\.example$/);
  assert.ok(dns.queryCount('fail.example', 'TXT') >= 1, 'the record came from the loopback DNS server');
});

test('rate limit: the third recipient of one sender within the burst is deferred with the configured text', async () => {
  const subject = 'Subject: rate limited';
  const before = postfix.deliveredMessages().length;
  // One session, three RCPTs: Postfix asks the policy once per recipient, and each request takes a token.
  const r = await postfix.sendWithSwaks({ from: LIMITED_SENDER, to: [rcpt('rl1'), rcpt('rl2'), rcpt('rl3')], headers: [subject] });
  assert.equal(r.code, 0, `the message goes on to the accepted recipients:\n${r.transcript}`);
  const replies = errorReplies(r.transcript);
  assert.equal(replies.length, 1, r.transcript);
  assert.match(replies[0], new RegExp(`^451 4\\.7\\.1 .*${RATE_TEXT}, try again in \\d+ seconds$`));
  // The first accepted recipient already gave the transaction a queue id.
  assert.match(postfix.log(), /: reject: RCPT from .*: 451 4\.7\.1 <rl3@example\.org>: .*Rate limit exceeded for this sender.*; from=<limited@pass\.example>/);

  const got = (await postfix.waitForDelivery(before + RATE_BURST)).filter((m) => m.raw.includes(subject));
  const delivered = got.map((m) => /^Delivered-To: (.*)$/m.exec(m.raw)?.[1]).sort();
  assert.deepEqual(delivered, [rcpt('rl1'), rcpt('rl2')]);
  // Whitelisted from greylisting, not passed: no X-Greylist.
  for (const m of got) assert.doesNotMatch(headerBlock(m.raw), /^X-Greylist:/m);
});

/**
 * Postfix SASL needs Dovecot (not installed here) or Cyrus SASL with saslauthd or a sasldb: too heavy for this
 * harness. What Postfix sends for an authenticated client is the same request with `sasl_username`, so this
 * case speaks the policy wire directly to the daemon and compares the same request with and without it.
 */
test('authenticated clients skip greylisting and SPF: same request, DUNNO with sasl_username, refused without', async () => {
  const client = await PolicyClient.open({ host: '127.0.0.1', port: Number(daemon.listeners.policy.split(':')[1]) });
  try {
    const base = (sender: string, recipient: string, instance: string) => ({
      request: 'smtpd_access_policy',
      protocol_state: 'RCPT',
      protocol_name: 'ESMTP',
      client_address: '127.0.0.1',
      client_name: 'unknown',
      helo_name: 'client.winnow-test.invalid',
      sender,
      recipient,
      instance,
    });
    const authed = { sasl_method: 'PLAIN', sasl_username: 'alice' };

    // A triplet never seen: anything but DUNNO for the authenticated request would be greylisting's.
    const grey = base('auth@pass-not-pool.example', rcpt('auth-grey'), 'a1.1');
    assert.equal(await client.ask({ ...grey, ...authed }), 'DUNNO');
    assert.match(await client.ask({ ...grey, instance: 'a1.2' }), /^DEFER_IF_PERMIT 4\.7\.1 Greylisted, please try again in \d+ seconds$/);

    const spf = base('auth@fail.example', rcpt('auth-spf'), 'a2.1');
    assert.equal(await client.ask({ ...spf, ...authed }), 'DUNNO');
    assert.match(await client.ask({ ...spf, instance: 'a2.2' }), /^550 5\.7\.23 SPF fail: fail\.example does not allow 127\.0\.0\.1/);
  } finally {
    client.close();
  }
});

test('Postfix talked to the policy service without errors', () => {
  assert.doesNotMatch(postfix.log(), /warning: .*policy|problem talking to server/i);
});
