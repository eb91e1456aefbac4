import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Action, HeaderChange, HeaderRemoval, ScanResult } from '../../core/types.ts';
import type { MilterReply } from './codec.ts';
import { encodeWords, headerValue } from './header-value.ts';
import { milterReplies, smtpReplyText, type MilterAbilities, type MilterReplyOptions } from './reply.ts';
import { resultFixture } from '../../core/testing.ts';

function result(action: Action, extra: { msg?: string; add?: HeaderChange[]; remove?: HeaderRemoval[]; subject?: string; forcedMessage?: string } = {}): ScanResult {
  return resultFixture({
    action,
    messages: extra.msg === undefined ? {} : { smtp_message: extra.msg },
    addHeaders: extra.add ?? [],
    removeHeaders: extra.remove ?? [],
    subject: extra.subject,
    forced: extra.forcedMessage === undefined ? undefined : { action, module: 'test', message: extra.forcedMessage },
  });
}

const OPTS: MilterReplyOptions = {
  rejectMessage: 'Spam message rejected',
  tempfailMessage: 'Try again later',
  discardOnReject: false,
  quarantineOnReject: false,
  quarantineReason: 'winnow: quarantined',
};
const ALL: MilterAbilities = { addHeaders: true, changeHeaders: true, quarantine: true };
const RECEIVED = ['Received', 'From', 'X-Spam', 'Subject', 'x-spam', 'To', 'X-Spam'];
const STATUS: HeaderChange = { name: 'X-Spam-Status', value: 'No, score=0.00 required=15.00' };

const cases: { name: string; r: ScanResult; opts?: Partial<MilterReplyOptions>; can?: Partial<MilterAbilities>; received?: string[]; want: MilterReply[] }[] = [
  { name: 'no action, nothing to add', r: result('no action'), want: [{ type: 'accept' }] },
  { name: 'no action with a header', r: result('no action', { add: [STATUS] }), want: [{ type: 'addheader', ...STATUS }, { type: 'accept' }] },
  {
    name: 'add header: headers in order, folded value with LF',
    r: result('add header', { add: [{ name: 'X-Spam', value: 'Yes' }, { name: 'X-Spamd-Result', value: 'default: True [7.00 / 15.00];\r\n\tA(7.00)[]' }] }),
    want: [{ type: 'addheader', name: 'X-Spam', value: 'Yes' }, { type: 'addheader', name: 'X-Spamd-Result', value: 'default: True [7.00 / 15.00];\n\tA(7.00)[]' }, { type: 'accept' }],
  },
  {
    name: 'forged headers: every occurrence, last first, case-insensitive count',
    r: result('no action', { remove: [{ name: 'X-Spam', index: 0 }], add: [{ name: 'X-Spam-Status', value: 'No' }] }),
    want: [
      { type: 'chgheader', index: 3, name: 'X-Spam', value: '' },
      { type: 'chgheader', index: 2, name: 'X-Spam', value: '' },
      { type: 'chgheader', index: 1, name: 'X-Spam', value: '' },
      { type: 'addheader', name: 'X-Spam-Status', value: 'No' },
      { type: 'accept' },
    ],
  },
  { name: 'removal of a header not present: nothing', r: result('no action', { remove: [{ name: 'X-Spamd-Result', index: 0 }] }), want: [{ type: 'accept' }] },
  {
    name: 'removal by positive and negative index; out of range ignored',
    r: result('no action', { remove: [{ name: 'X-Spam', index: 2 }, { name: 'X-Spam', index: -1 }, { name: 'X-Spam', index: 9 }, { name: 'X-Spam', index: -9 }] }),
    want: [{ type: 'chgheader', index: 3, name: 'X-Spam', value: '' }, { type: 'chgheader', index: 2, name: 'X-Spam', value: '' }, { type: 'accept' }],
  },
  { name: 'rewrite subject: CHGHEADER Subject 1', r: result('rewrite subject', { subject: '***SPAM*** hi' }), want: [{ type: 'chgheader', index: 1, name: 'Subject', value: '***SPAM*** hi' }, { type: 'accept' }] },
  { name: 'rewrite subject without a Subject header: ADDHEADER', r: result('rewrite subject', { subject: '***SPAM*** ' }), received: ['From'], want: [{ type: 'addheader', name: 'Subject', value: '***SPAM*** ' }, { type: 'accept' }] },
  { name: 'rewrite subject, non-ASCII: encoded-word', r: result('rewrite subject', { subject: '***SPAM*** café' }), want: [{ type: 'chgheader', index: 1, name: 'Subject', value: '=?UTF-8?B?KioqU1BBTSoqKiBjYWbDqQ==?=' }, { type: 'accept' }] },
  {
    name: 'greylist forced by the check, with its text',
    r: result('greylist', { msg: '451 4.7.1 Greylisted, please try again in 300 seconds', add: [STATUS], forcedMessage: 'Greylisted' }),
    want: [{ type: 'replycode', text: '451 4.7.1 Greylisted, please try again in 300 seconds' }],
  },
  { name: 'greylist forced without text', r: result('greylist', { forcedMessage: '' }), want: [{ type: 'replycode', text: '451 4.7.1 Try again later' }] },
  // A score in the greylist band after the check let the retry through: delivered with its headers.
  { name: 'greylist band, not forced', r: result('greylist', { add: [STATUS] }), want: [{ type: 'addheader', ...STATUS }, { type: 'accept' }] },
  { name: 'soft reject with configured text', r: result('soft reject'), opts: { tempfailMessage: 'Slow down' }, want: [{ type: 'replycode', text: '451 4.7.1 Slow down' }] },
  { name: 'soft reject: a 5xx text loses its codes', r: result('soft reject', { msg: '554 5.7.1 Blocked' }), want: [{ type: 'replycode', text: '451 4.7.1 Blocked' }] },
  { name: 'reject without text', r: result('reject', { add: [STATUS] }), want: [{ type: 'replycode', text: '550 5.7.1 Spam message rejected' }] },
  { name: 'reject with GTUBE text', r: result('reject', { msg: 'Gtube pattern' }), want: [{ type: 'replycode', text: '550 5.7.1 Gtube pattern' }] },
  { name: 'reject with its own codes', r: result('reject', { msg: '554 5.7.0 You are blocked' }), want: [{ type: 'replycode', text: '554 5.7.0 You are blocked' }] },
  { name: 'reject: a 4xx text loses its codes', r: result('reject', { msg: '451 4.3.0 later' }), want: [{ type: 'replycode', text: '550 5.7.1 later' }] },
  { name: 'reject: % doubled, line breaks removed', r: result('reject', { msg: '100% spam\r\n250 ok' }), want: [{ type: 'replycode', text: '550 5.7.1 100%% spam 250 ok' }] },
  { name: 'discard_on_reject', r: result('reject'), opts: { discardOnReject: true }, want: [{ type: 'discard' }] },
  {
    name: 'quarantine_on_reject wins over discard, keeps header edits',
    r: result('reject', { add: [STATUS], remove: [{ name: 'X-Spam', index: 1 }] }),
    opts: { discardOnReject: true, quarantineOnReject: true },
    want: [{ type: 'chgheader', index: 1, name: 'X-Spam', value: '' }, { type: 'addheader', ...STATUS }, { type: 'quarantine', reason: 'winnow: quarantined' }, { type: 'accept' }],
  },
  { name: 'quarantine_on_reject when the MTA cannot quarantine: reject', r: result('reject'), opts: { quarantineOnReject: true }, can: { quarantine: false }, want: [{ type: 'replycode', text: '550 5.7.1 Spam message rejected' }] },
  { name: 'discard', r: result('discard', { add: [STATUS] }), want: [{ type: 'discard' }] },
  { name: 'quarantine with the forcing check text', r: result('quarantine', { forcedMessage: 'Suspicious\nattachment' }), want: [{ type: 'quarantine', reason: 'Suspicious attachment' }, { type: 'accept' }] },
  { name: 'quarantine with the configured reason', r: result('quarantine'), want: [{ type: 'quarantine', reason: 'winnow: quarantined' }, { type: 'accept' }] },
  { name: 'quarantine when the MTA cannot: reject', r: result('quarantine'), can: { quarantine: false }, want: [{ type: 'replycode', text: '550 5.7.1 Spam message rejected' }] },
  { name: 'no ADDHDRS: additions dropped', r: result('add header', { add: [STATUS] }), can: { addHeaders: false }, want: [{ type: 'accept' }] },
  { name: 'no CHGHDRS: removals and subject dropped', r: result('rewrite subject', { subject: 'x', remove: [{ name: 'X-Spam', index: 0 }] }), can: { changeHeaders: false }, want: [{ type: 'accept' }] },
];

for (const c of cases) {
  test(`replies: ${c.name}`, () => {
    assert.deepEqual(milterReplies(c.r, c.received ?? RECEIVED, { ...ALL, ...c.can }, { ...OPTS, ...c.opts }), c.want);
  });
}

const texts: [cls: '4' | '5', text: string | undefined, want: string][] = [
  ['5', undefined, '550 5.7.1 fallback'],
  ['5', '', '550 5.7.1 fallback'],
  ['5', '554', '554 5.7.1 fallback'],
  ['5', '5.7.26 DMARC policy', '550 5.7.26 DMARC policy'],
  ['5', '553-multi line', '553 5.7.1 multi line'],
  ['5', '250 2.0.0 ok', '550 5.7.1 ok'],
  ['4', '450 4.2.0 Greylisted', '450 4.2.0 Greylisted'],
  ['4', '5.7.1 nope', '451 4.7.1 nope'],
  ['5', 'naïve text', '550 5.7.1 na?ve text'],
  ['5', 'x'.repeat(2000), `550 5.7.1 ${'x'.repeat(900)}`],
];
for (const [cls, text, want] of texts) {
  test(`reply text: ${cls}xx ${JSON.stringify(text)?.slice(0, 40)}`, () => {
    assert.equal(smtpReplyText(cls, text, 'fallback'), want);
  });
}

const values: [string, string][] = [
  ['plain', 'plain'],
  ['a\r\nb', 'a\n\tb'],
  ['a\n b', 'a\n b'],
  ['a\n\n\nb', 'a\n\tb'],
  ['a\0b\x07c', 'a b c'],
  ['tab\tstays', 'tab\tstays'],
];
for (const [input, want] of values) {
  test(`header value: ${JSON.stringify(input)}`, () => {
    assert.equal(headerValue(input), want);
  });
}

test('encoded-words: long text splits on characters, each word ≤ 75 chars, decodes back', () => {
  const text = 'é'.repeat(60) + ' 東京';
  const words = encodeWords(text).split('\n ');
  assert.ok(words.length > 1);
  let back = '';
  for (const w of words) {
    assert.ok(w.length <= 75, w);
    const m = /^=\?UTF-8\?B\?(.*)\?=$/.exec(w)!;
    back += Buffer.from(m[1], 'base64').toString('utf8');
  }
  assert.equal(back, text);
});
