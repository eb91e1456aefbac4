import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage } from './parse.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

// Hand-written message in the shape a typical HTML newsletter has (no third-party content).
const NEWSLETTER = [
  'From bounce@list.example  Thu Aug 22 13:17:22 2002',
  'Return-Path: <bounce@list.example>',
  'Received: from out.list.example (out.list.example [192.0.2.10]) by mx.example.org (Postfix) with ESMTP id 1A2B; Thu, 22 Aug 2002 13:24:37 -0400 (EDT)',
  'Received: from [10.1.1.1] (helo=build) by out.list.example with esmtp (Exim 4.50) id 1x-00; Thu, 22 Aug 2002 13:20:00 -0400',
  'From: =?utf-8?Q?J=C3=B6rg?= <Joerg@List.Example>',
  'To: a@example.org, "B, C" <b@EXAMPLE.org>',
  'Cc: team: c@example.org;',
  'Reply-To: reply@list.example',
  'Sender: sender@list.example',
  'Subject: =?utf-8?B?R3LDvMOfZQ==?= news',
  'Date: Thu, 22 Aug 2002 13:24:37 -0400',
  'Message-ID: <abc.123@list.example>',
  'List-Unsubscribe: <https://list.example/unsub?u=1>, <mailto:unsub@list.example>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="mix"',
  '',
  'preamble',
  '--mix',
  'Content-Type: multipart/alternative; boundary="alt"',
  '',
  '--alt',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Hello J=C3=B6rg, see www.shop.example/deal today.',
  'Write to info@shop.example.',
  '--alt',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p>Hello</p><a href="http://track.example/c?u=1&amp;x=2">https://www.shop.example/deal</a>',
  '--alt--',
  '--mix',
  'Content-Type: application/pdf; name="=?utf-8?Q?Rechnung_M=C3=A4rz.pdf?="',
  'Content-Disposition: attachment; filename="=?utf-8?Q?Rechnung_M=C3=A4rz.pdf?="',
  'Content-Transfer-Encoding: base64',
  '',
  'JVBERi0xLjQKJcOkw7zDtsOfCg==',
  '--mix--',
  '',
].join('\r\n');

test('parseMessage builds the full model of a well-formed message', async () => {
  const m = await parseMessage(enc(NEWSLETTER));
  assert.deepEqual(m.anomalies, []);
  assert.equal(m.size, enc(NEWSLETTER).byteLength);
  assert.equal(m.subject, 'Grüße news');
  assert.equal(m.first('SUBJECT'), 'Grüße news');
  assert.equal(m.header('received').length, 2);
  assert.equal(m.headers[0].name, 'Return-Path');
  assert.deepEqual(m.from, [{ name: 'Jörg', address: 'Joerg@List.Example', domain: 'list.example' }]);
  assert.deepEqual(m.to.map((a) => a.domain), ['example.org', 'example.org']);
  assert.deepEqual(m.cc.map((a) => a.address), ['c@example.org']);
  assert.equal(m.replyTo[0].address, 'reply@list.example');
  assert.equal(m.sender?.address, 'sender@list.example');
  assert.equal(m.date?.toISOString(), '2002-08-22T17:24:37.000Z');
  assert.equal(m.dateRaw, 'Thu, 22 Aug 2002 13:24:37 -0400');
  assert.equal(m.messageId, 'abc.123@list.example');

  assert.deepEqual(
    m.parts.map((p) => [p.id, p.depth, p.contentType, p.isAttachment]),
    [
      ['1', 0, 'multipart/mixed', false],
      ['1.1', 1, 'multipart/alternative', false],
      ['1.1.1', 2, 'text/plain', false],
      ['1.1.2', 2, 'text/html', false],
      ['1.2', 1, 'application/pdf', true],
    ],
  );
  const pdf = m.parts[4];
  assert.equal(pdf.filename, 'Rechnung März.pdf');
  assert.equal(pdf.disposition, 'attachment');
  assert.equal(new TextDecoder().decode(pdf.head?.subarray(0, 5)), '%PDF-');
  assert.equal(pdf.size, 19);
  assert.equal(m.parts[2].charset, 'utf-8');
  assert.equal(m.parts[0].headers, m.headers);

  assert.match(m.text, /^Hello Jörg, see www\.shop\.example\/deal today\./);
  assert.match(m.html, /^<p>Hello<\/p>/);
  assert.equal(m.htmlText, 'Hello\nhttps://www.shop.example/deal');
  assert.deepEqual(
    m.urls.map((u) => [u.url, u.source, u.displayed]),
    [
      ['http://track.example/c?u=1&x=2', 'html', 'https://www.shop.example/deal'],
      ['http://www.shop.example/deal', 'text', undefined],
      ['https://www.shop.example/deal', 'text', undefined],
      ['https://list.example/unsub?u=1', 'header', undefined],
    ],
  );
  assert.deepEqual(m.emails, ['info@shop.example']);
  assert.deepEqual(
    m.received.map((r) => [r.from, r.fromIp, r.by]),
    [
      ['out.list.example', '192.0.2.10', 'mx.example.org'],
      ['build', '10.1.1.1', 'out.list.example'],
    ],
  );
  assert.match(m.rawHeaders, /^Return-Path:/);
  assert.match(m.rawBody, /^preamble\r\n--mix/);
});

test('parseMessage descends into message/rfc822 parts', async () => {
  const raw = [
    'Subject: fwd',
    'Content-Type: multipart/mixed; boundary=o',
    '',
    '--o',
    'Content-Type: message/rfc822',
    '',
    'Subject: inner',
    'Content-Type: text/plain',
    '',
    'inner body http://inner.example/',
    '--o--',
    '',
  ].join('\n');
  const m = await parseMessage(enc(raw));
  assert.deepEqual(
    m.parts.map((p) => [p.id, p.contentType]),
    [
      ['1', 'multipart/mixed'],
      ['1.1', 'message/rfc822'],
      ['1.1.1', 'text/plain'],
    ],
  );
  assert.equal(m.parts[2].headers.find((h) => h.key === 'subject')?.value, 'inner');
  assert.match(m.text, /inner body/);
  assert.equal(m.urls[0]?.host, 'inner.example');
  assert.deepEqual(m.anomalies, []);
});

test('parseMessage respects the limits it is given', async () => {
  const many = ['Content-Type: multipart/mixed; boundary=b', ''];
  for (let i = 0; i < 20; i++) many.push('--b', '', `part ${i}`);
  many.push('--b--', '');
  const m = await parseMessage(enc(many.join('\n')), { maxParts: 5 });
  assert.equal(m.parts.length, 5);
  assert.ok(m.anomalies.includes('TOO_MANY_PARTS'));

  const big = await parseMessage(enc(`Subject: x\n\n${'y'.repeat(5000)}`), { maxMessageBytes: 1000 });
  assert.equal(big.size, 5012);
  assert.ok(big.rawBody.length < 1000);
  assert.ok(big.anomalies.includes('OVERSIZED'));
});

test('nthDelimiterLine counts only lines that can be MIME delimiters', async (t) => {
  const { nthDelimiterLine } = await import('./parse.ts');
  const cases: [string, number, number][] = [
    ['--a\n--b\n--c\n', 2, 8],
    ['--a\n--b\n', 2, -1],
    ['-----\n-- \n--\n------=_Next\n--x\n', 1, 26],
    ['no dashes here\n', 0, -1],
  ];
  for (const [text, max, at] of cases) {
    await t.test(JSON.stringify(text), () => assert.equal(nthDelimiterLine(enc(text), 0, max), at));
  }
});
