// Interop: swaks talks to the real daemon's SMTP front before a private Postfix that reads PROXY headers: greylisting, hand-over, tarpit, greytrap.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, startDaemon, type RunningDaemon } from '../support/daemon.ts';
import { startPostfix, TEST_DOMAIN, type RunningPostfix, type SwaksResult } from '../support/postfix.ts';
import { FrontClient } from '../../src/protocols/smtp-front/test-client.ts';

/** Shortened spamd passtime so a retry passes within the test. */
const PASS_TIME_S = 2;
/** Stutter short enough for a whole tarpitted dialogue to fit in swaks's timeouts, long enough to measure. */
const STUTTER_MS = 20;
const HOSTNAME = 'front.winnow-test.invalid';
/** Loopback source addresses, one per role, so the front (and Postfix, through PROXY) can tell the clients apart. */
const GREY_CLIENT = '127.0.0.5';
const BLACK_CLIENT = '127.0.0.9';
const TRAP_CLIENT = '127.0.0.7';

let daemon: RunningDaemon;
let postfix: RunningPostfix;
let dir: string;
let frontPort: number;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'winnow-front-e2e-'));
  writeFileSync(join(dir, 'black.txt'), `# test blacklist\n${BLACK_CLIENT}\n`);
  postfix = await startPostfix({ proxyProtocol: true });
  frontPort = await freePort();
  daemon = await startDaemon({
    config: `
smtp_front:
  listen: ['127.0.0.1:${frontPort}']
  upstream: 127.0.0.1:${postfix.proxyPort}
  proxy_protocol: v1
  hostname: ${HOSTNAME}
  stutter_delay_ms: ${STUTTER_MS}
  grey_stutter_s: 0
  blacklist_code: 450
checks:
  spamd:
    pass_time: ${PASS_TIME_S}s
    local_domains: [${TEST_DOMAIN}]
    lists:
      - { name: testbl, type: black, file: ${JSON.stringify(join(dir, 'black.txt'))}, message: "Your address %A is listed on testbl\\nSee https://testbl.invalid/%A" }
`,
  });
  assert.equal(daemon.listeners.smtp_front, `127.0.0.1:${frontPort}`);
});

after(async () => {
  await daemon?.stop();
  await postfix?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function swaks(from: string, to: string, localInterface: string): Promise<SwaksResult> {
  return postfix.sendWithSwaks({ port: frontPort, localInterface, from, to, helo: 'mail.sender.example', body: 'hello through the front' });
}

/** swaks marks the server's replies with `<-` (`<**` for errors). */
function replies(t: SwaksResult): string[] {
  return t.transcript.split('\n').filter((l) => /^<(-|\*\*) /.test(l)).map((l) => l.slice(4).trim());
}

test('greylisting: the first attempt gets 451 at DATA; the retry after pass_time is delivered by Postfix, which logs the client from the PROXY header', async () => {
  const first = await swaks('alice@sender.example', `bob@${TEST_DOMAIN}`, GREY_CLIENT);
  const r1 = replies(first);
  assert.match(r1[0], new RegExp(`^220 ${HOSTNAME.replace(/\./g, '\\.')} ESMTP winnow IP-based SPAM blocker; `));
  assert.ok(r1.includes('451 Temporary failure, please try again later.'), first.transcript);
  assert.notEqual(first.code, 0);
  assert.equal(postfix.deliveredMessages().length, 0);

  await sleep(PASS_TIME_S * 1000 + 500);
  const retry = await swaks('alice@sender.example', `bob@${TEST_DOMAIN}`, GREY_CLIENT);
  assert.equal(retry.code, 0, retry.transcript);
  const r2 = replies(retry);
  assert.match(r2.at(-2) ?? '', /^250 2\.0\.0 Ok: queued as /, 'Postfix took the message');
  const [msg] = await postfix.waitForDelivery(1);
  assert.match(msg.raw, /hello through the front/);
  // Postfix saw the client swaks bound (127.0.0.5), not the front's own connection from 127.0.0.1.
  assert.match(msg.raw, new RegExp(`Received: from mail\\.sender\\.example \\(unknown \\[${GREY_CLIENT.replace(/\./g, '\\.')}\\]\\)`));
  assert.match(postfix.log(), new RegExp(`connect from unknown\\[${GREY_CLIENT.replace(/\./g, '\\.')}\\]`));

  // Whitelisted now: the next connection goes to Postfix from its first byte (Postfix's own banner).
  const third = await swaks('alice@sender.example', `carol@${TEST_DOMAIN}`, GREY_CLIENT);
  assert.equal(third.code, 0, third.transcript);
  assert.match(replies(third)[0], /^220 mx\.winnow-test\.invalid ESMTP Postfix/);
  await postfix.waitForDelivery(2);
});

test('a blacklisted client is tarpitted: stuttered replies (per-character delay measured), then 450 with the list message', async () => {
  const c = await FrontClient.connect(frontPort, '127.0.0.1', BLACK_CLIENT);
  const banner = await c.reply(30_000);
  assert.match(banner.text, /^220 /);
  const gaps = c.arrivals.slice(1).map((a, i) => a.t - c.arrivals[i].t);
  const perChar = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  assert.ok(c.arrivals.length >= banner.text.length, `${c.arrivals.length} packets for ${banner.text.length + 2} characters`);
  assert.ok(perChar >= STUTTER_MS * 0.7 && perChar <= STUTTER_MS * 3, `measured ${perChar.toFixed(1)} ms per character, configured ${STUTTER_MS} ms`);
  c.close();

  const t0 = performance.now();
  const black = await swaks('spammer@spam.example', `bob@${TEST_DOMAIN}`, BLACK_CLIENT);
  const seconds = (performance.now() - t0) / 1000;
  const r = replies(black);
  assert.ok(r.includes('354 Enter spam, end with "." on a line by itself'), black.transcript);
  assert.deepEqual(r.slice(-2), [`450-Your address ${BLACK_CLIENT} is listed on testbl`, `450 See https://testbl.invalid/${BLACK_CLIENT}`]);
  // Banner, HELO, MAIL, RCPT, DATA and final replies: over 300 characters at one per STUTTER_MS.
  assert.ok(seconds >= (300 * STUTTER_MS) / 1000, `the tarpitted dialogue took ${seconds.toFixed(1)} s`);
  assert.doesNotMatch(postfix.log(), new RegExp(`\\[${BLACK_CLIENT.replace(/\./g, '\\.')}\\]`), 'Postfix never heard of the blacklisted client');
});

test('greytrap: mail to a domain outside local_domains traps the client, whose next attempt is tarpitted', async () => {
  const trapped = await swaks('spammer@spam.example', 'victim@not-ours.example', TRAP_CLIENT);
  assert.ok(replies(trapped).includes('451 Temporary failure, please try again later.'), trapped.transcript);
  const next = await swaks('spammer@spam.example', `bob@${TEST_DOMAIN}`, TRAP_CLIENT);
  assert.equal(replies(next).at(-1), `450 Your address ${TRAP_CLIENT} has mailed to spamtraps here`);
  assert.ok(daemon.logs.some((l) => l.msg === 'spamd: client trapped' && l.ip === TRAP_CLIENT));
});
