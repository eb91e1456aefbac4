// Scans hand-written messages with homoglyph tricks through the real pipeline and checks the chartable symbols.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { scanWith } from '../../core/testing.ts';
import { message } from '../test-messages.ts';
import { MAX_WORDS_EXAMINED } from './scripts.ts';
import { chartableCheck } from './index.ts';

// \u0430 is CYRILLIC SMALL LETTER A, \u0456 CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I, \u0421 CYRILLIC CAPITAL LETTER ES,
// \u03bf GREEK SMALL LETTER OMICRON, \u03bc GREEK SMALL LETTER MU.
const PAYPAL = 'P\u0430yPal';
const LONG_BODY = 'The quarterly report is attached and the numbers look fine to me. '.repeat(10);

const cases: Array<{ name: string; raw: string; expect: Record<string, string[]> }> = [
  { name: 'plain English', raw: message(), expect: {} },
  {
    name: 'a Cyrillic a inside a brand name in the subject',
    raw: message({ set: { Subject: `Your ${PAYPAL} account is locked` } }),
    expect: { MIXED_SCRIPT_WORD: [PAYPAL], R_MIXED_CHARSET_SUBJECT: ['1/5'] },
  },
  {
    name: 'the same subject as an RFC 2047 encoded-word',
    raw: message({ set: { Subject: `=?UTF-8?B?${Buffer.from(`Your ${PAYPAL} account`).toString('base64')}?=` } }),
    expect: { MIXED_SCRIPT_WORD: [PAYPAL], R_MIXED_CHARSET_SUBJECT: ['1/3'] },
  },
  {
    name: 'a Russian message',
    raw: message({ set: { Subject: 'Встреча в пятницу' }, body: 'Привет! Встречаемся в пятницу в полдень у входа.\n' }),
    expect: {},
  },
  {
    name: 'Russian and English words side by side',
    raw: message({ body: 'Обновление Windows и Office установлено, перезагрузите компьютер.\n' }),
    expect: {},
  },
  { name: 'a Greek unit in technical text', raw: message({ body: 'The film is 10 \u03bcm thick and the \u03b1\u03b2 ratio is stable.\n' }), expect: {} },
  {
    name: 'one disguised word in a long body',
    raw: message({ body: `${LONG_BODY}\nLog in at ${PAYPAL} to confirm.\n` }),
    expect: { MIXED_SCRIPT_WORD: [PAYPAL] },
  },
  {
    name: 'a Russian word with a Latin e',
    raw: message({ body: 'привeт\n' }),
    expect: { MIXED_SCRIPT_WORD: ['привeт'], R_MIXED_CHARSET: ['1/1'] },
  },
  {
    name: 'a body obfuscated throughout',
    raw: message({ body: `V\u0456agra \u0430nd \u0421ialis at l\u03bfw prices, \u0430ll shipped today\n` }),
    expect: {
      MIXED_SCRIPT_WORD: ['V\u0456agra', '\u0430nd', '\u0421ialis', 'l\u03bfw', '\u0430ll'],
      R_MIXED_CHARSET: ['5/9'],
    },
  },
  {
    name: 'an HTML-only body',
    raw: message({ contentType: 'text/html; charset=utf-8', body: `<p>Sign in to <b>${PAYPAL}</b></p>` }),
    expect: { MIXED_SCRIPT_WORD: [PAYPAL], R_MIXED_CHARSET: ['1/4'] },
  },
];

describe('chartable', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const r = await scanWith([chartableCheck], c.raw);
      const got: Record<string, string[]> = {};
      for (const [name, s] of Object.entries(r.symbols)) got[name] = s.options;
      assert.deepEqual(got, c.expect);
    });
  }

  it('weights the ratio symbols by share: half at the threshold, full at twice it', async () => {
    // 1 mixed word in 10 = the default body threshold of 0.1.
    const atThreshold = await scanWith([chartableCheck], message({ body: `${PAYPAL} one two three four five six seven eight nine\n` }));
    assert.equal(atThreshold.symbols.R_MIXED_CHARSET?.score, 1.5);
    const raised = await scanWith([chartableCheck], message({ body: `${PAYPAL} one two three four five six seven eight nine\n` }), {}, {
      checks: { chartable: { body_ratio: 0.2 } },
    });
    assert.equal(raised.symbols.R_MIXED_CHARSET, undefined);
    assert.deepEqual(raised.symbols.MIXED_SCRIPT_WORD?.options, [PAYPAL]);
  });

  it('stops counting after MAX_WORDS_EXAMINED words', async () => {
    const r = await scanWith([chartableCheck], message({ body: `${PAYPAL} `.repeat(MAX_WORDS_EXAMINED + 500) }));
    assert.deepEqual(r.symbols.R_MIXED_CHARSET?.options, [`${MAX_WORDS_EXAMINED}/${MAX_WORDS_EXAMINED}`]);
  });
});
