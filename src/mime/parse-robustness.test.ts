// Robustness of parseMessage: broken input of every kind yields a model and the right anomaly codes, never an exception.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage } from './parse.ts';
import type { MimeAnomaly, ParsedMessage } from './model.ts';
import { DEFAULT_MIME_LIMITS } from './model.ts';
import { manyParts, nestedMultipart as nested, randomBytes } from '../../test/fixtures/broken-messages.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
/** A broken message must still parse quickly; this is far above the real cost and only catches blow-ups. */
const MAX_PARSE_MS = 3000;

const cases: { name: string; raw: Uint8Array; expect: MimeAnomaly[]; check?: (m: ParsedMessage) => void }[] = [
  { name: '0 bytes', raw: new Uint8Array(0), expect: ['EMPTY_MESSAGE'] },
  { name: 'only binary', raw: randomBytes(10_000), expect: ['BINARY_CONTENT'] },
  {
    name: 'no blank line after headers',
    raw: enc('From: a@b.example\nSubject: hi\nThis is the body\nwith two lines\n'),
    expect: ['MISSING_HEADER_END'],
    check: (m) => {
      assert.equal(m.subject, 'hi');
      assert.equal(m.text, 'This is the body\nwith two lines\n');
    },
  },
  {
    name: 'truncated mid-multipart',
    raw: enc('Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain\n\nfirst\n--x\nContent-Type: application/zip\nContent-Transfer-Encoding: base64\n\nUEsDBBQAAAAI'.slice(0, -3)),
    expect: ['TRUNCATED', 'UNCLOSED_MULTIPART'],
    check: (m) => assert.equal(m.text.trim(), 'first'),
  },
  {
    name: 'multipart without boundary parameter',
    raw: enc('Content-Type: multipart/mixed\n\n--x\n\nhello\n--x--\n'),
    expect: ['MISSING_BOUNDARY'],
  },
  {
    name: 'boundary declared but never used',
    raw: enc('Content-Type: multipart/mixed; boundary=nope\n\nhello\n'),
    expect: ['MISSING_BOUNDARY'],
  },
  {
    name: '200-deep nesting',
    raw: enc(nested(200)),
    expect: ['TOO_DEEP'],
    check: (m) => {
      assert.equal(m.subject, 'deep');
      assert.ok(m.parts.every((p) => p.depth <= DEFAULT_MIME_LIMITS.maxMimeDepth));
      assert.equal(m.parts.length, DEFAULT_MIME_LIMITS.maxMimeDepth + 1);
    },
  },
  {
    name: '5000-deep nesting, past the library ceiling',
    raw: enc(nested(5000)),
    expect: ['TOO_DEEP'],
    check: (m) => assert.equal(m.subject, 'deep'),
  },
  {
    name: '5000 parts',
    raw: enc(manyParts(5000)),
    expect: ['TOO_MANY_PARTS'],
    check: (m) => assert.equal(m.parts.length, DEFAULT_MIME_LIMITS.maxParts),
  },
  {
    name: '2 MB header line',
    raw: enc(`Subject: ${'A'.repeat(2 * 1024 * 1024)}\nFrom: x@y.example\n\nthe body\n`),
    expect: ['HEADER_TOO_LONG'],
    check: (m) => assert.equal(m.text.trim(), 'the body'),
  },
  {
    name: 'invalid base64',
    raw: enc('Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\nSGVsbG8*#!!d29ybGQ=\n'),
    expect: ['BAD_TRANSFER_ENCODING'],
  },
  {
    name: 'invalid quoted-printable',
    raw: enc('Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\nprice =XY only =\n'),
    expect: ['BAD_TRANSFER_ENCODING'],
  },
  {
    name: 'unknown transfer encoding',
    raw: enc('Content-Type: text/plain\nContent-Transfer-Encoding: x-rot13\n\nuryyb\n'),
    expect: ['BAD_TRANSFER_ENCODING'],
  },
  {
    name: 'unknown charset',
    raw: enc('Content-Type: text/plain; charset=x-klingon\n\nqapla\n'),
    expect: ['BAD_CHARSET'],
    check: (m) => assert.equal(m.text.trim(), 'qapla'),
  },
  {
    name: 'NUL bytes in the body',
    raw: new Uint8Array([...enc('Subject: nul\n\nab'), 0, 0, ...enc('cd\n')]),
    expect: ['BINARY_CONTENT'],
    check: (m) => assert.equal(m.subject, 'nul'),
  },
  {
    name: 'broken encoded word',
    raw: enc('Subject: =?utf-8?B?***?=\n\nx\n'),
    expect: ['BAD_ENCODED_WORD'],
  },
  {
    name: 'junk line inside the header',
    raw: enc('Subject: a\n: no name\nTo: b@c.example\n\nx\n'),
    expect: ['BAD_HEADER_LINE'],
  },
  { name: 'only a blank line', raw: enc('\n'), expect: ['NO_HEADERS'] },
  { name: 'lone CR bytes', raw: enc('\r\r\r\r'), expect: [] },
  { name: 'oversized', raw: enc(`Subject: big\n\n${'z'.repeat(4096)}`), expect: ['OVERSIZED'] },
];

test('parseMessage survives broken messages and names the damage', async (t) => {
  for (const c of cases) {
    await t.test(c.name, async () => {
      const t0 = performance.now();
      const m = await parseMessage(c.raw, c.name === 'oversized' ? { maxMessageBytes: 1024 } : undefined);
      assert.ok(performance.now() - t0 < MAX_PARSE_MS, 'parse took too long');
      for (const code of c.expect) assert.ok(m.anomalies.includes(code), `missing ${code} in ${m.anomalies.join(',')}`);
      assert.ok(!m.anomalies.includes('PARSE_FAILED'), `internal failure: ${m.anomalies.join(',')}`);
      assert.equal(m.size, c.raw.byteLength);
      c.check?.(m);
    });
  }
});

test('parseMessage resolves even for values that are not bytes at all', async () => {
  const m = await parseMessage(null as unknown as Uint8Array);
  assert.equal(m.size, 0);
  assert.ok(m.anomalies.length > 0);
});

// Every corpus message is parsed (and scanned) by test/pipeline-robustness.test.ts, which asserts no MIME_PARSE_FAILED.
