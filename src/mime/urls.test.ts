import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractUrls, moreEmails, normalizeUrl, MAX_URLS } from './urls.ts';

test('normalizeUrl', async (t) => {
  const cases: [string, { url: string; host: string; path: string } | undefined][] = [
    ['http://Example.COM/Path?q=1', { url: 'http://example.com/Path?q=1', host: 'example.com', path: '/Path?q=1' }],
    ['www.example.com/a.', { url: 'http://www.example.com/a', host: 'www.example.com', path: '/a' }],
    ['https://example.com/x),', { url: 'https://example.com/x', host: 'example.com', path: '/x' }],
    ['http://en.wikipedia.org/wiki/Foo_(bar)', { url: 'http://en.wikipedia.org/wiki/Foo_(bar)', host: 'en.wikipedia.org', path: '/wiki/Foo_(bar)' }],
    ['http://xn--mnchen-3ya.de/', { url: 'http://xn--mnchen-3ya.de/', host: 'münchen.de', path: '/' }],
    ['http://münchen.de/', { url: 'http://xn--mnchen-3ya.de/', host: 'münchen.de', path: '/' }],
    ['http://3232235777/', { url: 'http://192.168.1.1/', host: '192.168.1.1', path: '/' }],
    ['javascript:alert(1)', undefined],
    ['/relative/path', undefined],
    ['http://', undefined],
  ];
  for (const [input, out] of cases) await t.test(input, () => assert.deepEqual(normalizeUrl(input), out));
});

test('extractUrls: text, schemeless www, e-mail addresses', () => {
  const r = extractUrls({
    text: ['Visit http://Foo.example/a, or www.bar.example! Mail Sales@Example.com or sales@example.com.'],
    html: [],
    headers: [],
  });
  assert.deepEqual(
    r.urls.map((u) => [u.url, u.host, u.source]),
    [
      ['http://foo.example/a', 'foo.example', 'text'],
      ['http://www.bar.example/', 'www.bar.example', 'text'],
    ],
  );
  assert.deepEqual(r.emails, ['sales@example.com']);
});

test('extractUrls: HTML href/src with displayed URL text, mailto into emails, entities decoded', () => {
  const html =
    '<a href="http://evil.example/login?a=1&amp;b=2">https://www.bank.example/</a>' +
    '<a href=\'http://plain.example/\'>click here</a>' +
    '<img src=http://img.example/p.gif>' +
    '<a href="mailto:Info@Shop.example?subject=x">mail us</a>' +
    '<a href="javascript:void(0)">x</a><a href="#top">top</a>';
  const r = extractUrls({ text: [], html: [html], headers: [] });
  assert.deepEqual(
    r.urls.map((u) => [u.url, u.source, u.displayed]),
    [
      ['http://evil.example/login?a=1&b=2', 'html', 'https://www.bank.example/'],
      ['http://plain.example/', 'html', undefined],
      ['http://img.example/p.gif', 'html', undefined],
    ],
  );
  assert.deepEqual(r.emails, ['info@shop.example']);
});

test('extractUrls: List-Unsubscribe header, dedupe across sources', () => {
  const r = extractUrls({
    text: ['see http://a.example/x'],
    html: [],
    headers: ['<mailto:unsub@list.example>, <https://list.example/unsub?id=1>', 'http://a.example/x'],
  });
  assert.deepEqual(
    r.urls.map((u) => [u.url, u.source]),
    [
      ['http://a.example/x', 'text'],
      ['https://list.example/unsub?id=1', 'header'],
    ],
  );
});

test('extractUrls caps the count', () => {
  const text = Array.from({ length: MAX_URLS + 50 }, (_, i) => `http://h${i}.example/`).join(' ');
  assert.equal(extractUrls({ text: [text], html: [], headers: [] }).urls.length, MAX_URLS);
});

test('extractUrls: anchors that never close each look only at their own text, in linear time', () => {
  const html = '<a href="http://a.example/">www.shown.example</a> <a href="http://b.example/">plain words' + '<div><a href="http://x.example/">'.repeat(20_000);
  const started = performance.now();
  const r = extractUrls({ text: [], html: [html], headers: [] });
  assert.ok(performance.now() - started < 2000, 'unclosed anchors made the scan quadratic');
  assert.deepEqual(
    r.urls.slice(0, 3).map((u) => [u.url, u.displayed]),
    [
      ['http://a.example/', 'www.shown.example'],
      ['http://b.example/', undefined],
      ['http://x.example/', undefined],
    ],
  );
});

test('extractUrls without text e-mails, then moreEmails: the same lists as one full pass', () => {
  const src = {
    text: ['write to Sales@Example.com or info@shop.example', 'again: info@shop.example, new@x.example'],
    html: ['<a href="mailto:info@shop.example">m</a><a href="http://a.example/">x</a>'],
    headers: ['<https://list.example/u>'],
  };
  const full = extractUrls(src);
  const urlsOnly = extractUrls(src, false);
  assert.deepEqual(urlsOnly.urls, full.urls);
  assert.deepEqual(urlsOnly.emails, ['info@shop.example']);
  assert.deepEqual(moreEmails(urlsOnly.emails, src.text), full.emails);
  assert.deepEqual(full.emails, ['info@shop.example', 'sales@example.com', 'new@x.example']);
});
