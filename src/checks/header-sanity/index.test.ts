// Scans hand-written messages through the real pipeline and checks which header-sanity symbols fire.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fixedClock, scanWith, testContext } from '../../core/testing.ts';
import { FIXTURE_NOW_MS, message, multipartMessage, textPart } from '../test-messages.ts';
import { mailingListCheck } from '../mailing-list/index.ts';
import { headerSanityCheck } from './index.ts';

const HOUR = 3_600_000;
const OE_MID = '<001a01c2b4f3$5e6f7a80$0100a8c0@pc1>';
const OE_BOUNDARY = '----=_NextPart_000_0007_01C2B4F3.5E6F7A80';

async function scan(raw: string, opts: { checks?: Record<string, unknown>; withLists?: boolean } = {}) {
  const ctx = testContext({ clock: fixedClock(FIXTURE_NOW_MS) });
  const checks = opts.withLists ? [headerSanityCheck, mailingListCheck] : [headerSanityCheck];
  return scanWith(checks, raw, {}, { ctx, checks: opts.checks });
}

/** A Date header `hours` away from the scan clock. */
function dateAt(hours: number): string {
  return new Date(FIXTURE_NOW_MS + hours * HOUR).toUTCString().replace('GMT', '+0000');
}

const cases: Array<{ name: string; raw: string; expect: Record<string, string[] | null> }> = [
  { name: 'a clean personal message', raw: message(), expect: {} },
  { name: 'no Date', raw: message({ set: { Date: null } }), expect: { MISSING_DATE: [] } },
  { name: 'unreadable Date', raw: message({ set: { Date: 'sometime last week' } }), expect: { INVALID_DATE: ['sometime last week'] } },
  { name: 'Date 5 h ahead', raw: message({ set: { Date: dateAt(5) } }), expect: { DATE_IN_FUTURE: ['5h'] } },
  { name: 'Date 1 h ahead (clock skew)', raw: message({ set: { Date: dateAt(1) } }), expect: {} },
  { name: 'Date 12 h old (slow queue)', raw: message({ set: { Date: dateAt(-12) } }), expect: {} },
  { name: 'Date 3 days old', raw: message({ set: { Date: dateAt(-72) } }), expect: { DATE_IN_PAST: ['3d'] } },
  { name: 'no Message-ID', raw: message({ set: { 'Message-ID': null } }), expect: { MISSING_MID: [] } },
  { name: 'Message-ID without @', raw: message({ set: { 'Message-ID': '<4711.abcdef>' } }), expect: { INVALID_MSGID: ['4711.abcdef'] } },
  {
    name: 'Message-ID with an IP literal',
    raw: message({ set: { 'Message-ID': '<4711@[192.0.2.7]>' } }),
    expect: { MID_RHS_IP_LITERAL: ['[192.0.2.7]'] },
  },
  { name: 'no From', raw: message({ set: { From: null } }), expect: { MISSING_FROM: [] } },
  { name: 'From without an address', raw: message({ set: { From: 'nobody' } }), expect: { FROM_INVALID: ['nobody'] } },
  { name: 'From with a dotless domain', raw: message({ set: { From: 'x@localhost' } }), expect: { FROM_INVALID: ['x@localhost'] } },
  {
    name: 'two From fields',
    raw: message({ add: [['From', 'mallory@example.com']] }),
    expect: { MULTIPLE_FROM: ['fields'] },
  },
  {
    name: 'two addresses in From',
    raw: message({ set: { From: 'alice@example.org, carol@example.org' } }),
    expect: { MULTIPLE_FROM: ['addresses'] },
  },
  { name: 'neither To nor Cc', raw: message({ set: { To: null } }), expect: { MISSING_TO: [] } },
  { name: 'Cc but no To', raw: message({ set: { To: null, Cc: 'bob@example.net' } }), expect: {} },
  { name: 'undisclosed recipients', raw: message({ set: { To: 'undisclosed-recipients:;' } }), expect: { TO_UNDISCLOSED: [] } },
  { name: 'empty group in To', raw: message({ set: { To: 'friends:;' } }), expect: { TO_UNDISCLOSED: [] } },
  {
    name: 'Reply-To at another organisation',
    raw: message({ set: { 'Reply-To': 'claims@payout-desk.example.com' } }),
    expect: { REPLYTO_DOM_NEQ_FROM_DOM: ['example.com'] },
  },
  { name: 'Reply-To at a sub-domain of From', raw: message({ set: { 'Reply-To': 'alice@lists.example.org' } }), expect: {} },
  {
    name: 'Outlook Express with a foreign Message-ID',
    raw: message({ set: { 'X-Mailer': 'Microsoft Outlook Express 6.00.2800.1106' } }),
    expect: { FORGED_MUA_OUTLOOK: ['express', 'message-id'] },
  },
  {
    name: 'Outlook Express with its own Message-ID',
    raw: message({ set: { 'X-Mailer': 'Microsoft Outlook Express 6.00.2800.1106', 'Message-ID': OE_MID } }),
    expect: {},
  },
  {
    name: 'Outlook with its own Message-ID but a foreign boundary',
    raw: multipartMessage('alternative', [textPart('hi'), textPart('<p>hi</p>', 'html')], {
      set: { 'X-Mailer': 'Microsoft Outlook, Build 10.0.2627', 'Message-ID': OE_MID },
    }),
    expect: { FORGED_MUA_OUTLOOK: ['outlook', 'boundary'] },
  },
  {
    name: 'Outlook with its own Message-ID and boundary',
    raw: multipartMessage(
      'alternative',
      [textPart('hi'), textPart('<p>hi</p>', 'html')],
      { set: { 'X-Mailer': 'Microsoft Outlook, Build 10.0.2627', 'Message-ID': OE_MID } },
      OE_BOUNDARY,
    ),
    expect: {},
  },
  {
    name: 'Outlook 2000 IMO with its Message-ID',
    raw: message({
      set: { 'X-Mailer': 'Microsoft Outlook IMO, Build 9.0.2416 (9.0.2911.0)', 'Message-ID': '<BCEFLMCEIJHPCPLGADJICEEICAAA.alice@example.org>' },
    }),
    expect: {},
  },
  {
    name: 'Outlook 2000 IMO with an Outlook Express Message-ID',
    raw: message({ set: { 'X-Mailer': 'Microsoft Outlook IMO, Build 9.0.2416 (9.0.2911.0)', 'Message-ID': OE_MID } }),
    expect: { FORGED_MUA_OUTLOOK: ['imo', 'message-id'] },
  },
  {
    name: 'Outlook Express for Mac (writes no Message-ID of its own)',
    raw: message({ set: { 'X-Mailer': 'Microsoft Outlook Express Macintosh Edition - 5.01 (1630)' } }),
    expect: {},
  },
  {
    name: 'Outlook Express via Hotmail',
    raw: message({ set: { 'X-Mailer': 'Microsoft Outlook Express 6.00.2600.0000', 'Message-ID': '<OE17BcN7DaJHFzrK0pW0001e900@hotmail.com>' } }),
    expect: {},
  },
  {
    name: 'Subject and Date twice',
    raw: message({ add: [['Subject', 'again'], ['Date', 'Tue, 04 Mar 2025 10:01:00 +0000']] }),
    expect: { MULTIPLE_UNIQUE_HEADERS: ['subject', 'date'] },
  },
];

describe('header-sanity', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const r = await scan(c.raw);
      const got: Record<string, string[]> = {};
      for (const [name, s] of Object.entries(r.symbols)) got[name] = s.options;
      assert.deepEqual(got, c.expect);
    });
  }

  it('scales DATE_IN_PAST with age up to full weight', async () => {
    const days3 = (await scan(message({ set: { Date: dateAt(-72) } }))).symbols.DATE_IN_PAST.score;
    const days20 = (await scan(message({ set: { Date: dateAt(-20 * 24) } }))).symbols.DATE_IN_PAST.score;
    const year = (await scan(message({ set: { Date: dateAt(-365 * 24) } }))).symbols.DATE_IN_PAST.score;
    assert.ok(days3 >= 0.3 && days3 < days20, `${days3} < ${days20}`);
    assert.ok(days20 < year);
    assert.equal(year, 1);
  });

  it('honours configured date limits', async () => {
    const raw = message({ set: { Date: dateAt(5) } });
    const r = await scan(raw, { checks: { 'header-sanity': { future_hours: 6 } } });
    assert.equal(r.symbols.DATE_IN_FUTURE, undefined);
  });

  it('honours a configured unique-header list', async () => {
    const raw = message({ add: [['X-Campaign', 'a'], ['X-Campaign', 'b']] });
    const r = await scan(raw, { checks: { 'header-sanity': { unique_headers: ['X-Campaign'] } } });
    assert.deepEqual(r.symbols.MULTIPLE_UNIQUE_HEADERS?.options, ['x-campaign']);
  });

  it('leaves a list-rewritten Reply-To alone when mailing-list ran first', async () => {
    const raw = message({ set: { 'Reply-To': 'devel@lists.example.com', 'List-Id': 'Developers <devel.lists.example.com>' } });
    const alone = await scan(raw);
    assert.ok(alone.symbols.REPLYTO_DOM_NEQ_FROM_DOM);
    const withLists = await scan(raw, { withLists: true });
    assert.equal(withLists.symbols.REPLYTO_DOM_NEQ_FROM_DOM, undefined);
    assert.ok(withLists.symbols.MAILLIST);
  });
});
