import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Message } from './message.ts';
import type { HeaderField } from './model.ts';

const field = (name: string, raw: string): HeaderField => ({ name, key: name.toLowerCase(), raw, value: raw });

function sample(): Message {
  return new Message({
    size: 100,
    headers: [
      field('Received', 'from a.example ([192.0.2.1]) by mx.example; Thu, 22 Aug 2002 13:24:37 -0400'),
      field('From', 'Ann <ann@A.example>'),
      field('To', 'b@example.org, c@example.org'),
      field('Date', 'Thu, 22 Aug 2002 13:24:37 -0400'),
      field('Message-ID', '<id.1@a.example>'),
      field('List-Unsubscribe', '<https://a.example/unsub>'),
      field('Subject', 'hi'),
    ],
    parts: [],
    plain: ['mail me at x@y.example', 'see http://t.example/'],
    htmlParts: ['<p>Hi</p><a href="http://h.example/">www.h.example</a>'],
    anomalies: [],
    rawHeaders: new Uint8Array([0x41, 0x80]),
    rawBody: 'body',
  });
}

test('Message derives every field on first read', () => {
  const m = sample();
  assert.equal(m.text, 'mail me at x@y.example\nsee http://t.example/');
  assert.equal(m.html, '<p>Hi</p><a href="http://h.example/">www.h.example</a>');
  assert.equal(m.htmlText, 'Hi\nwww.h.example');
  assert.equal(m.subject, 'hi');
  assert.deepEqual(m.from, [{ name: 'Ann', address: 'ann@A.example', domain: 'a.example' }]);
  assert.deepEqual(m.to.map((a) => a.address), ['b@example.org', 'c@example.org']);
  assert.deepEqual(m.cc, []);
  assert.equal(m.sender, undefined);
  assert.equal(m.date?.toISOString(), '2002-08-22T17:24:37.000Z');
  assert.equal(m.messageId, 'id.1@a.example');
  assert.deepEqual(m.received.map((r) => r.fromIp), ['192.0.2.1']);
  assert.deepEqual(
    m.urls.map((u) => [u.url, u.source]),
    [
      ['http://h.example/', 'html'],
      ['http://t.example/', 'text'],
      ['http://www.h.example/', 'text'],
      ['https://a.example/unsub', 'header'],
    ],
  );
  assert.deepEqual(m.emails, ['x@y.example']);
  // windows-1252, as the model always read raw text: 0x80 is the euro sign.
  assert.equal(m.rawHeaders, 'A€');
  assert.equal(m.rawBody, 'body');
  assert.equal(m.first('SUBJECT'), 'hi');
  assert.equal(m.header('received').length, 1);
});

test('Message memoises derived fields and keeps them read-only', () => {
  const m = sample();
  assert.equal(m.urls, m.urls);
  assert.equal(m.from, m.from);
  assert.equal(m.received, m.received);
  assert.equal(m.rawHeaders, m.rawHeaders);
  assert.throws(() => {
    (m as unknown as { urls: unknown }).urls = [];
  }, TypeError);
  const { first, header } = m;
  assert.equal(first('from'), 'Ann <ann@A.example>');
  assert.equal(header('to').length, 1);
});

test('Message: e-mails read before URLs give the same lists', () => {
  const a = sample();
  const aUrls = a.urls;
  const aEmails = a.emails;
  const b = sample();
  const bEmails = b.emails;
  assert.deepEqual(bEmails, aEmails);
  assert.deepEqual(b.urls, aUrls);
});
