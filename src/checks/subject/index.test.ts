// Scans hand-written messages through the real pipeline and checks which subject symbols fire.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { scanWith } from '../../core/testing.ts';
import { message } from '../test-messages.ts';
import { subjectCheck } from './index.ts';

const subj = (s: string | null, extra: Record<string, string | null> = {}) => message({ set: { Subject: s, ...extra } });

const cases: Array<{ name: string; raw: string; expect: Record<string, string[]>; checks?: Record<string, unknown> }> = [
  { name: 'an ordinary subject', raw: subj('Lunch on Friday?'), expect: {} },
  { name: 'no Subject header', raw: subj(null), expect: { SUBJ_MISSING: [] } },
  { name: 'an empty Subject', raw: subj(''), expect: { SUBJ_EMPTY: [] } },
  { name: 'a blank Subject', raw: subj('   '), expect: { SUBJ_EMPTY: [] } },
  { name: 'shouting', raw: subj('URGENT BUSINESS PROPOSAL'), expect: { SUBJ_ALL_CAPS: [] } },
  { name: 'an acronym is not shouting', raw: subj('NASA FAQ'), expect: {} },
  { name: 'capitals in a reply to a tagged list', raw: subj('[ILUG] Re: MEETING MOVED TO FRIDAY', { 'In-Reply-To': '<1@example.net>' }), expect: { SUBJ_ALL_CAPS: [] } },
  { name: 'capitals only in the list tag', raw: subj('[SPAMASSASSIN-TALK] new release'), expect: {} },
  { name: 'a run of exclamation marks', raw: subj('You won!!!'), expect: { SUBJ_EXCESS_PUNCT: ['!!!'] } },
  { name: 'mixed ?!? run', raw: subj('Where is my money?!?'), expect: { SUBJ_EXCESS_PUNCT: ['?!?'] } },
  { name: 'three scattered bangs', raw: subj('Act now! Free! Today!'), expect: { SUBJ_EXCESS_PUNCT: ['3x!'] } },
  { name: 'one question', raw: subj('Are you coming?'), expect: {} },
  { name: 'dollar signs', raw: subj('Make $$$ from home'), expect: { SUBJ_MONEY: ['dollar-signs'] } },
  { name: 'a large amount', raw: subj('Earn $139,000 a year as a day trader'), expect: { SUBJ_MONEY: ['amount'] } },
  { name: 'an amount after the number', raw: subj('Make 65000$ fast'), expect: { SUBJ_MONEY: ['amount'] } },
  { name: 'a price tag', raw: subj('Clearance sale only $29.99'), expect: { SUBJ_MONEY: ['price'] } },
  { name: '100% free', raw: subj('100% FREE trial inside'), expect: { SUBJ_MONEY: ['free'] } },
  { name: 'a small sum is no bait', raw: subj('I owe you $5 for lunch'), expect: {} },
  {
    name: 'UTF-7 encoded-word',
    raw: subj('=?utf-7?Q?+AEk-nvoice?='),
    expect: { SUBJ_UNUSUAL_CHARSET: ['utf-7'] },
  },
  { name: 'UTF-8 encoded-word', raw: subj('=?UTF-8?B?R3LDvMOfZQ==?='), expect: {} },
  { name: 'ISO-2022-JP encoded-word', raw: subj('=?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?='), expect: {} },
  {
    name: 'a configured charset list',
    raw: subj('=?koi8-r?B?8NLJ18XU?='),
    checks: { subject: { usual_charsets: ['utf-8', 'us-ascii'] } },
    expect: { SUBJ_UNUSUAL_CHARSET: ['koi8-r'] },
  },
  { name: 'a very long subject', raw: subj('word '.repeat(40).trim()), expect: { SUBJ_VERY_LONG: ['199'] } },
  { name: 'a configured length limit', raw: subj('a fairly ordinary subject line'), checks: { subject: { max_length: 20 } }, expect: { SUBJ_VERY_LONG: ['30'] } },
  { name: 'Re: with nothing to reply to', raw: subj('Re: your invoice'), expect: { FAKE_REPLY: [] } },
  { name: 'German AW: with nothing to reply to', raw: subj('AW: Ihre Rechnung'), expect: { FAKE_REPLY: [] } },
  { name: 'a real reply', raw: subj('Re: Lunch on Friday', { 'In-Reply-To': '<1@example.net>' }), expect: {} },
  { name: 'a reply with References only', raw: subj('RE: Lunch on Friday', { References: '<1@example.net>' }), expect: {} },
  { name: 'an Outlook reply with Thread-Index', raw: subj('RE: Lunch on Friday', { 'Thread-Index': 'AcJJ9p29v19nVAyp' }), expect: {} },
  { name: 'a word starting with re', raw: subj('Research results'), expect: {} },
];

describe('subject', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const r = await scanWith([subjectCheck], c.raw, {}, { checks: c.checks });
      const got: Record<string, string[]> = {};
      for (const [name, s] of Object.entries(r.symbols)) got[name] = s.options;
      assert.deepEqual(got, c.expect);
    });
  }
});
