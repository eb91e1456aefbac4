import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitHeaderBlock, decodeEncodedWords, MAX_FIELD_CHARS } from './headers.ts';
import type { MimeAnomaly } from './model.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

test('splitHeaderBlock: fields, order, duplicates, body start', async (t) => {
  const cases: {
    name: string;
    raw: string;
    fields: [string, string, string][];
    body: string;
    anomalies?: MimeAnomaly[];
  }[] = [
    {
      name: 'simple CRLF',
      raw: 'Subject: hi\r\nTo: a@b.c\r\n\r\nbody',
      fields: [['Subject', 'hi', 'hi'], ['To', 'a@b.c', 'a@b.c']],
      body: 'body',
    },
    {
      name: 'folded value keeps the folding blank, drops the line break',
      raw: 'Subject: Hello\r\n    World\n\nx',
      fields: [['Subject', 'Hello    World', 'Hello    World']],
      body: 'x',
    },
    {
      name: 'duplicates in order, name case kept',
      raw: 'Received: a\nRECEIVED: b\nreceived: c\n\n',
      fields: [['Received', 'a', 'a'], ['RECEIVED', 'b', 'b'], ['received', 'c', 'c']],
      body: '',
    },
    {
      name: 'RFC 2047 decoded in value, kept in raw',
      raw: 'Subject: =?utf-8?B?SGVsbG8g8J+Ukw==?= =?ISO-8859-1?Q?caf=E9?=\n\n',
      fields: [['Subject', '=?utf-8?B?SGVsbG8g8J+Ukw==?= =?ISO-8859-1?Q?caf=E9?=', 'Hello 🔓café']],
      body: '',
    },
    {
      name: 'mbox From_ line skipped silently',
      raw: 'From someone@example.com  Thu Aug 22 13:17:22 2002\nSubject: s\n\nb',
      fields: [['Subject', 's', 's']],
      body: 'b',
    },
    {
      name: 'blank before colon (obsolete syntax)',
      raw: 'Subject : x\n\n',
      fields: [['Subject', 'x', 'x']],
      body: '',
    },
    {
      name: 'junk line between fields',
      raw: 'Subject: a\nthis is not a field\nTo: b@c.d\n\nbody',
      fields: [['Subject', 'a', 'a'], ['To', 'b@c.d', 'b@c.d']],
      body: 'body',
      anomalies: ['BAD_HEADER_LINE'],
    },
    {
      name: 'no blank line: body starts at the first run of non-field lines',
      raw: 'Subject: a\nHello there\nsecond line\n',
      fields: [['Subject', 'a', 'a']],
      body: 'Hello there\nsecond line\n',
      anomalies: ['MISSING_HEADER_END'],
    },
    {
      name: 'only headers, no body, no blank line: fine',
      raw: 'Subject: a\nTo: b@c.d\n',
      fields: [['Subject', 'a', 'a'], ['To', 'b@c.d', 'b@c.d']],
      body: '',
    },
    {
      name: 'starts with a blank line',
      raw: '\r\njust a body',
      fields: [],
      body: 'just a body',
      anomalies: ['NO_HEADERS'],
    },
    {
      name: 'raw UTF-8 header (RFC 6532)',
      raw: 'Subject: Grüße\n\n',
      fields: [['Subject', 'Grüße', 'Grüße']],
      body: '',
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const raw = enc(c.raw);
      const hb = splitHeaderBlock(raw, 256 * 1024);
      assert.deepEqual(
        hb.fields.map((f) => [f.name, f.raw, f.value]),
        c.fields,
      );
      assert.deepEqual(hb.fields.map((f) => f.key), c.fields.map((f) => f[0].toLowerCase()));
      assert.equal(new TextDecoder().decode(raw.subarray(hb.bodyStart)), c.body);
      assert.deepEqual(hb.anomalies, c.anomalies ?? []);
    });
  }
});

test('splitHeaderBlock: latin1 bytes that are not UTF-8 are read byte for byte', () => {
  const raw = new Uint8Array([...enc('Subject: caf'), 0xe9, ...enc('\n\nb')]);
  assert.equal(splitHeaderBlock(raw, 1024).fields[0].value, 'café');
});

test('splitHeaderBlock: header block over the limit is cut and flagged, body still found', () => {
  const raw = enc(`Subject: ${'A'.repeat(5000)}\nTo: x@y.z\n\nthe body`);
  const hb = splitHeaderBlock(raw, 1000);
  assert.deepEqual(hb.anomalies, ['HEADER_TOO_LONG']);
  assert.equal(hb.fields.length, 1);
  assert.equal(hb.fields[0].raw.length, 1000 - 'Subject: '.length);
  assert.equal(new TextDecoder().decode(raw.subarray(hb.bodyStart)), 'the body');
});

test('splitHeaderBlock: one enormous field is cut at MAX_FIELD_CHARS', () => {
  const raw = enc(`X-Big: ${'b'.repeat(MAX_FIELD_CHARS + 10)}\n\n`);
  const hb = splitHeaderBlock(raw, 10 * MAX_FIELD_CHARS);
  assert.equal(hb.fields[0].raw.length, MAX_FIELD_CHARS);
  assert.deepEqual(hb.anomalies, ['HEADER_TOO_LONG']);
});

test('decodeEncodedWords flags damaged words', async (t) => {
  const cases: [string, string, MimeAnomaly[]][] = [
    ['=?utf-8?Q?ok_word?=', 'ok word', []],
    ['=?utf-8?B?!!!notbase64?=', '', ['BAD_ENCODED_WORD']],
    ['=?utf-8?Q?a=ZZb?=', 'a=ZZb', ['BAD_ENCODED_WORD']],
    ['=?utf-8?X?abc?=', '=?utf-8?X?abc?=', ['BAD_ENCODED_WORD']],
    ['=?x-no-such-charset?Q?abc?=', 'abc', ['BAD_CHARSET']],
  ];
  for (const [input, value, anomalies] of cases) {
    await t.test(input, () => {
      const found: MimeAnomaly[] = [];
      const out = decodeEncodedWords(input, found);
      assert.deepEqual(found, anomalies);
      if (anomalies.length === 0 || input.includes('no-such')) assert.equal(out, value);
    });
  }
});
