// Interop: a private Postfix asks the real daemon through `check_policy_service`; swaks sends mail and sees the SMTP replies.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startDaemon, type RunningDaemon } from '../support/daemon.ts';
import { startPostfix, TEST_DOMAIN, type RunningPostfix } from '../support/postfix.ts';

/**
 * Verdicts come from multimap sender lists with forced actions, so this test depends on nothing but the
 * policy adapter, the pipeline and Postfix. A settings profile runs only multimap for policy requests.
 */
function daemonConfig(mapDir: string, policyPort: number): string {
  const map = (name: string, sender: string) => {
    const path = join(mapDir, `${name}.map`);
    writeFileSync(path, `${sender}\n`);
    return JSON.stringify(path);
  };
  return `
policy: { listen: ['127.0.0.1:${policyPort}'], settings_id: policy_test }
settings:
  policy_test: { checks_enabled: [multimap] }
checks:
  multimap:
    maps:
      - { symbol: T_REJECT, type: email, target: mail_from, source: ${map('reject', 'reject@example.com')}, weight: 0, action: reject, message: '554 5.7.1 Sender blocked by the winnow test map' }
      - { symbol: T_GREY, type: email, target: mail_from, source: ${map('grey', 'grey@example.com')}, weight: 0, action: greylist, message: 'Greylisted by the winnow test map' }
      - { symbol: T_SOFT, type: email, target: mail_from, source: ${map('soft', 'soft@example.com')}, weight: 0, action: soft reject }
      - { symbol: T_HEADER, type: email, target: mail_from, source: ${map('header', 'header@example.com')}, weight: 0, action: add header }
`;
}

let daemon: RunningDaemon;
let postfix: RunningPostfix;
let mapDir: string;

before(async () => {
  mapDir = mkdtempSync(join(tmpdir(), 'winnow-policy-maps-'));
  const policyPort = await freePort();
  daemon = await startDaemon({ config: daemonConfig(mapDir, policyPort) });
  assert.equal(daemon.listeners.policy, `127.0.0.1:${policyPort}`);
  postfix = await startPostfix({ recipientRestrictions: ['reject_unauth_destination', `check_policy_service inet:127.0.0.1:${policyPort}`] });
});

after(async () => {
  await postfix?.stop();
  await daemon?.stop();
  rmSync(mapDir, { recursive: true, force: true });
});

const rcpt = (local: string) => `${local}@${TEST_DOMAIN}`;

/** swaks marks the server's error replies with `<**`. */
function errorReplies(transcript: string): string[] {
  return transcript.split('\n').filter((l) => l.startsWith('<**')).map((l) => l.slice(4).trim());
}

test('a clean sender is accepted (DUNNO) and delivered unchanged', async () => {
  const before = postfix.deliveredMessages().length;
  const r = await postfix.sendWithSwaks({ from: 'clean@example.com', to: rcpt('clean'), headers: ['Subject: clean'] });
  assert.equal(r.code, 0, r.transcript);
  const got = await postfix.waitForDelivery(before + 1);
  const msg = got.find((m) => m.raw.includes('Subject: clean'));
  assert.ok(msg, 'delivered');
  assert.doesNotMatch(msg.raw, /^X-Spam:/m);
});

test('a sender mapped to reject gets 554 5.7.1 with the map text at RCPT', async () => {
  const r = await postfix.sendWithSwaks({ from: 'reject@example.com', to: rcpt('r1') });
  assert.equal(r.code, 24, `swaks exits 24 for a RCPT failure:\n${r.transcript}`);
  const [reply] = errorReplies(r.transcript);
  assert.match(reply, /^554 5\.7\.1 .*Sender blocked by the winnow test map/);
  assert.match(postfix.log(), /NOQUEUE: reject: RCPT from .*: 554 5\.7\.1 .*Sender blocked by the winnow test map; from=<reject@example.com>/);
});

test('a greylisted sender gets 450 4.7.1 with the text (DEFER_IF_PERMIT)', async () => {
  const r = await postfix.sendWithSwaks({ from: 'grey@example.com', to: rcpt('g1') });
  assert.equal(r.code, 24, r.transcript);
  const [reply] = errorReplies(r.transcript);
  assert.match(reply, /^450 4\.7\.1 .*Greylisted by the winnow test map/);
});

test('a soft-rejected sender gets 450 4.7.1 (DEFER)', async () => {
  const r = await postfix.sendWithSwaks({ from: 'soft@example.com', to: rcpt('s1') });
  assert.equal(r.code, 24, r.transcript);
  const [reply] = errorReplies(r.transcript);
  assert.match(reply, /^450 4\.7\.1 .*Try again later/);
});

test('PREPEND adds the header once per message, even with two recipients', async () => {
  const before = postfix.deliveredMessages().length;
  const r = await postfix.sendWithSwaks({ from: 'header@example.com', to: [rcpt('h1'), rcpt('h2')], headers: ['Subject: prepended'] });
  assert.equal(r.code, 0, r.transcript);
  const got = (await postfix.waitForDelivery(before + 2)).filter((m) => m.raw.includes('Subject: prepended'));
  assert.equal(got.length, 2, 'one copy per recipient');
  for (const m of got) {
    const headerBlock = m.raw.slice(0, m.raw.indexOf('\n\n'));
    assert.equal(headerBlock.match(/^X-Spam: Yes$/gm)?.length, 1, headerBlock);
  }
});

test('the policy listener answers every request Postfix made without errors in the maillog', () => {
  assert.doesNotMatch(postfix.log(), /warning: .*policy|problem talking to server/i);
});
