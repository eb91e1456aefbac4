import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SMFIF, SMFIP } from './constants.ts';
import { expectsReply, negotiate, WANTED_ACTIONS, WANTED_NO_REPLY, type MtaOffer } from './negotiate.ts';

const ALL_NR = WANTED_NO_REPLY;

const cases: { name: string; offer: MtaOffer; want: { version: number; actions: number; protocol: number } | RegExp }[] = [
  { name: 'Postfix 3.x, protocol 6', offer: { version: 6, actions: 0x1ff, protocol: 0x1fffff }, want: { version: 6, actions: 0x31, protocol: ALL_NR } },
  { name: 'Sendmail with MDS bits', offer: { version: 6, actions: 0x1ff, protocol: 0x1fffff | SMFIP.MDS_1M }, want: { version: 6, actions: 0x31, protocol: ALL_NR } },
  { name: 'a newer MTA gets version 6', offer: { version: 7, actions: 0x1ff, protocol: 0x1fffff }, want: { version: 6, actions: 0x31, protocol: ALL_NR } },
  // Postfix milter_protocol = 2, 3, 4: no no-reply bits offered, so every event gets an answer.
  { name: 'protocol 2', offer: { version: 2, actions: 0x3f, protocol: 0x7f }, want: { version: 2, actions: 0x31, protocol: 0 } },
  { name: 'protocol 3', offer: { version: 3, actions: 0x3f, protocol: 0x17f }, want: { version: 3, actions: 0x31, protocol: 0 } },
  { name: 'protocol 4 with NR_HDR', offer: { version: 4, actions: 0x1ff, protocol: 0x3ff | SMFIP.NR_HDR }, want: { version: 4, actions: 0x31, protocol: SMFIP.NR_HDR } },
  { name: 'zero offers mean v1 defaults (no quarantine)', offer: { version: 2, actions: 0, protocol: 0 }, want: { version: 2, actions: SMFIF.ADDHDRS, protocol: 0 } },
  { name: 'only some no-reply bits offered', offer: { version: 6, actions: 0x1ff, protocol: SMFIP.NR_BODY | SMFIP.NR_HDR | SMFIP.NOCONNECT }, want: { version: 6, actions: 0x31, protocol: SMFIP.NR_BODY | SMFIP.NR_HDR } },
  { name: 'no header changes offered', offer: { version: 6, actions: SMFIF.ADDHDRS, protocol: 0x1fffff }, want: { version: 6, actions: SMFIF.ADDHDRS, protocol: ALL_NR } },
  { name: 'version 1 refused', offer: { version: 1, actions: 0xf, protocol: 0x3f }, want: /below 2/ },
  { name: 'version 0 refused', offer: { version: 0, actions: 0, protocol: 0 }, want: /below 2/ },
];

for (const c of cases) {
  test(`negotiate: ${c.name}`, () => {
    const r = negotiate(c.offer);
    if (c.want instanceof RegExp) {
      assert.equal(r.ok, false);
      assert.match((r as { reason: string }).reason, c.want);
      return;
    }
    assert.deepEqual(r, { ok: true, reply: c.want });
    if (r.ok) {
      // Never a bit the MTA did not offer (Postfix calls that a protocol error).
      assert.equal(r.reply.actions & ~(c.offer.actions || 0x0f), 0);
      assert.equal(r.reply.protocol & ~(c.offer.protocol || 0x3f), 0);
    }
  });
}

test('we ask for add/change headers and quarantine; no SKIP, no NO* steps, no HDR_LEADSPC', () => {
  assert.equal(WANTED_ACTIONS, SMFIF.ADDHDRS | SMFIF.CHGHDRS | SMFIF.QUARANTINE);
  for (const bit of [SMFIP.SKIP, SMFIP.NOCONNECT, SMFIP.NOHELO, SMFIP.NOMAIL, SMFIP.NORCPT, SMFIP.NOBODY, SMFIP.NOHDRS, SMFIP.NOEOH, SMFIP.NODATA, SMFIP.NOUNKNOWN, SMFIP.HDR_LEADSPC]) {
    assert.equal(WANTED_NO_REPLY & bit, 0);
  }
});

test('expectsReply follows the agreed no-reply bits', () => {
  const v6 = { version: 6, actions: 0x31, protocol: ALL_NR };
  const v2 = { version: 2, actions: 0x31, protocol: 0 };
  for (const c of ['C', 'H', 'M', 'R', 'T', 'L', 'N', 'B', 'U']) {
    assert.equal(expectsReply(v6, c), false, c);
    assert.equal(expectsReply(v2, c), true, c);
  }
  const partial = { version: 6, actions: 0x31, protocol: SMFIP.NR_HDR };
  assert.equal(expectsReply(partial, 'L'), false);
  assert.equal(expectsReply(partial, 'B'), true);
  // Events that never get a reply (macros, abort, quit) and end of body (always answered) are not "events" here.
  assert.equal(expectsReply(v2, 'D'), false);
});
