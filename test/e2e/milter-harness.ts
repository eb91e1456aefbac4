// Shared setup of the Postfix ↔ milter e2e tests: the daemon's config (maps with forced actions), loopback DNS and what Postfix/swaks did.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startDnsServer, type DnsServer } from '../support/dns-server.ts';
import { hasIpv6Loopback, headerValues, swaksErrorReplies, TEST_DOMAIN, type DeliveredMessage, type RunningPostfix, type SwaksResult } from '../support/postfix.ts';

export const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
export const GTUBE_REWRITE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-REWRITE-SUBJECT*C.34X';
/** The daemon's configured texts, so a reply can only have come from winnow's milter, not from Postfix. */
export const REJECT_TEXT = 'Refused by the winnow milter test';
export const TEMPFAIL_TEXT = 'Come back later, says the winnow milter test';
const HOLD_TEXT = 'Held by the winnow test map';
export const GREY_TEXT = 'Greylisted by the winnow test map';
/** How long a message may take from Postfix's 250 to the maildir on a loaded 2-core machine. */
const DELIVERY_TIMEOUT_MS = 15_000;
const DNS_TIMEOUT_MS = 1000;
/** Test-shortened greylisting delay. */
export const GREYLIST_DELAY_S = 2;
/** swaks's exit code when the server refused the message after the final dot. */
const SWAKS_REFUSED_AFTER_DATA = 26;

/** Postfix lets loopback clients use XCLIENT, so swaks can pose as a SASL-authenticated client (LOGIN=...). */
export const XCLIENT_CF = { smtpd_authorized_xclient_hosts: '127.0.0.0/8, [::1]/128' };

export const IPV6 = hasIpv6Loopback();
export const rcpt = (local: string) => `${local}@${TEST_DOMAIN}`;

/**
 * Verdicts come from multimap sender lists (forced actions, or weights that land in a score band) plus GTUBE, so
 * each case depends on the milter, the pipeline and Postfix only. X-Spamd-Result is switched on so a delivered
 * message shows which symbols the scan saw (the IPv6 client map proves what address the milter passed on).
 * Full-message scans greylist the whole band from greylist up to rewrite subject (rspamd's way), so the add-header
 * sender is on the greylist sender whitelist to reach the mailbox on its first try.
 */
export function daemonConfig(o: { dns: DnsServer; mapDir: string; listen: string[]; milter?: string; dnsTimeoutMs?: number }): string {
  const map = (name: string, entry: string) => {
    const path = join(o.mapDir, `${name}.map`);
    writeFileSync(path, `${entry}\n`);
    return JSON.stringify(path);
  };
  return `
dns: { servers: ['${o.dns.address}'], timeout_ms: ${o.dnsTimeoutMs ?? DNS_TIMEOUT_MS}, tries: 1 }
milter:
  listen: ${JSON.stringify(o.listen)}
  reject_message: '${REJECT_TEXT}'
  tempfail_message: '${TEMPFAIL_TEXT}'
  authenticated: outbound
${o.milter ?? ''}
settings:
  outbound: { checks_disabled: [gtube] }
checks:
  spam-headers: { add_headers: { result: true } }
  greylist: { delay_s: ${GREYLIST_DELAY_S}, whitelist_senders: [${map('greylist-senders', 'header@example.com')}] }
  multimap:
    maps:
      - { symbol: T_GREY, type: email, target: mail_from, source: ${map('grey', 'grey@example.com')}, weight: 0, action: greylist, message: '${GREY_TEXT}' }
      - { symbol: T_SOFT, type: email, target: mail_from, source: ${map('soft', 'soft@example.com')}, weight: 0, action: soft reject }
      - { symbol: T_SPAM, type: email, target: mail_from, source: ${map('spam', 'spam@example.com')}, weight: 20 }
      - { symbol: T_BAND, type: email, target: mail_from, source: ${map('band', 'band@example.com')}, weight: 5 }
      - { symbol: T_HEADER, type: email, target: mail_from, source: ${map('header', 'header@example.com')}, weight: 7 }
      - { symbol: T_DISCARD, type: email, target: mail_from, source: ${map('discard', 'discard@example.com')}, weight: 0, action: discard }
      - { symbol: T_HOLD, type: email, target: mail_from, source: ${map('hold', 'hold@example.com')}, weight: 0, action: quarantine, message: '${HOLD_TEXT}' }
      - { symbol: T_IPV6_CLIENT, type: ip, source: ${map('v6', '::1')}, weight: 0 }
`;
}

/** The one refusal of a message refused after the final dot. */
export function dataRefusal(r: SwaksResult): string {
  assert.equal(r.code, SWAKS_REFUSED_AFTER_DATA, `swaks exits ${SWAKS_REFUSED_AFTER_DATA} when the message is refused after DATA:\n${r.transcript}`);
  const replies = swaksErrorReplies(r.transcript);
  assert.equal(replies.length, 1, r.transcript);
  return replies[0];
}

/** The queue id from Postfix's `250 2.0.0 Ok: queued as ID`. */
export function queuedAs(r: SwaksResult): string {
  assert.equal(r.code, 0, r.transcript);
  const m = /<- {2}250 2\.0\.0 Ok: queued as (\w+)/.exec(r.transcript);
  assert.ok(m, r.transcript);
  return m[1];
}

export async function waitForSubject(pf: RunningPostfix, subject: string): Promise<DeliveredMessage> {
  const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
  for (;;) {
    const hit = pf.deliveredMessages().find((m) => headerValues(m.raw, 'Subject').includes(subject));
    if (hit) return hit;
    if (Date.now() > deadline) throw new Error(`no delivered message with subject '${subject}' within ${DELIVERY_TIMEOUT_MS} ms; maillog:\n${pf.log()}`);
    await sleep(100);
  }
}

export const isDelivered = (pf: RunningPostfix, subject: string) => pf.deliveredMessages().some((m) => headerValues(m.raw, 'Subject').includes(subject));

/** A clean message in a fresh subject; once it is in the maildir, anything sent before it had its chance too. */
export async function sendSentinel(pf: RunningPostfix, subject: string): Promise<void> {
  queuedAs(await pf.sendWithSwaks({ from: 'clean@example.com', to: rcpt('sentinel'), headers: [`Subject: ${subject}`] }));
  await waitForSubject(pf, subject);
}

export const STATUS_NO = /^No, score=-?\d+\.\d\d required=15\.00$/;

export interface MilterFixtures {
  /** NXDOMAIN for every name, on loopback. */
  dns: DnsServer;
  /** Where daemonConfig writes its map files. */
  mapDir: string;
  close(): Promise<void>;
}

export async function startMilterFixtures(): Promise<MilterFixtures> {
  const dns = await startDnsServer({}, { nxdomainAll: true });
  const mapDir = mkdtempSync(join(tmpdir(), 'winnow-milter-maps-'));
  return {
    dns,
    mapDir,
    async close() {
      await dns.close();
      rmSync(mapDir, { recursive: true, force: true });
    },
  };
}
