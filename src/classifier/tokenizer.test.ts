// Tests for the classifier tokenizer: word splitting rules, header prefixes, URLs, attachments, OSB, n-grams and the token cap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage } from '../mime/parse.ts';
import { MAX_WORD_CHARS, foldText, splitWords, tokenize } from './tokenizer.ts';

const wordCases: { text: string; words: string[] }[] = [
  { text: 'hello world', words: ['hello', 'world'] },
  { text: "don't stop", words: ["don't", 'stop'] },
  { text: 'end of sentence. next', words: ['end', 'of', 'sentence', 'next'] },
  { text: 'win $100 now!!!', words: ['win', '$100', 'now'] },
  { text: 'v1.2.3 e-mail user@example.com', words: ['v1.2.3', 'e-mail', 'user@example.com'] },
  { text: 'a b c', words: [] },
  { text: '--- ok ---', words: ['ok'] },
  { text: '(parenthesised), "quoted"', words: ['parenthesised', 'quoted'] },
  { text: 'x'.repeat(MAX_WORD_CHARS), words: ['x'.repeat(MAX_WORD_CHARS)] },
  { text: 'y'.repeat(MAX_WORD_CHARS + 1), words: ['long:32'] },
  { text: 'z'.repeat(500), words: ['long:128'] },
  { text: 'привет мир', words: ['привет', 'мир'] },
  { text: 'café naïve', words: ['café', 'naïve'] },
];

for (const c of wordCases) {
  test(`splitWords: ${JSON.stringify(c.text.slice(0, 30))}`, () => {
    assert.deepEqual(splitWords(c.text), c.words);
  });
}

test('splitWords: the ASCII fast path agrees with the Unicode path', () => {
  const samples = [
    "It's a deal: buy 3 for $9.99 -- e-mail sales@shop.example.com (today_only)...",
    'Re: [SAdev] 2.41 release? see http://example.org/a_b-c.html; thanks.',
    "'quoted' _under_ @at -dash- .dot.",
  ];
  for (const s of samples) {
    // A lone non-ASCII character is shorter than any word, so it only switches paths.
    assert.deepEqual(splitWords(`${s} é`), splitWords(s));
  }
});

test('foldText lower-cases and applies NFKC', () => {
  assert.equal(foldText('ＦＲＥＥ Ｍｏｎｅｙ'), 'free money');
  assert.equal(foldText('ﬁnance'), 'finance');
  assert.equal(foldText('MiXeD'), 'mixed');
});

function mail(headers: string, body: string): Uint8Array {
  return new TextEncoder().encode(`${headers}\r\n\r\n${body}`);
}

const SIMPLE = mail(
  [
    'From: "Sales Team" <offers@Promo.Example.com>',
    'To: you@example.net',
    'Subject: FREE Offer inside',
    'Message-ID: <abc123.456@mailer.example.com>',
    'Date: Mon, 1 Jan 2024 00:00:00 +0000',
    'X-Random: ignored header',
  ].join('\r\n'),
  'Click here now: http://www.deals.example.org/buy/now?id=1 to claim.',
);

test('tokenize prefixes header words with the header name and keeps body words bare', async () => {
  const tokens = new Set(tokenize(await parseMessage(SIMPLE)));
  for (const t of ['subject:free', 'subject:offer', 'from:sales', 'from:offers@promo.example.com', 'from:dom:promo.example.com', 'to:you@example.net', 'click', 'claim']) {
    assert.ok(tokens.has(t), `missing ${t}`);
  }
  // Headers outside the list, Date and the unique part of Message-ID teach nothing.
  assert.ok(![...tokens].some((t) => t.startsWith('x-random:') || t.startsWith('date:')));
  assert.ok(tokens.has('message-id:mailer.example.com'));
  assert.ok(![...tokens].some((t) => t.includes('abc123')));
});

test('tokenize: headers "all" takes every field except per-message noise', async () => {
  const tokens = new Set(tokenize(await parseMessage(SIMPLE), { headers: 'all' }));
  assert.ok(tokens.has('x-random:ignored'));
  assert.ok(![...tokens].some((t) => t.startsWith('date:')));
});

test('tokenize: URLs give every parent domain and the first path segments', async () => {
  const tokens = new Set(tokenize(await parseMessage(SIMPLE)));
  for (const t of ['url:www.deals.example.org', 'url:deals.example.org', 'url:example.org', 'urlp:buy', 'urlp:now', 'urlp:id']) {
    assert.ok(tokens.has(t), `missing ${t}`);
  }
  assert.ok(!tokens.has('url:org'));
  const off = new Set(tokenize(await parseMessage(SIMPLE), { urls: false }));
  assert.ok(![...off].some((t) => t.startsWith('url:')));
});

test('tokenize: attachment metadata and part types', async () => {
  const raw = mail(
    'From: a@example.com\r\nSubject: doc\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"',
    [
      '--b',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'see attached',
      '--b',
      'Content-Type: application/octet-stream; name="invoice.EXE"',
      'Content-Disposition: attachment; filename="invoice.EXE"',
      'Content-Transfer-Encoding: base64',
      '',
      'TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAAA==',
      '--b--',
      '',
    ].join('\r\n'),
  );
  const tokens = new Set(tokenize(await parseMessage(raw)));
  for (const t of ['ct:multipart/mixed', 'ct:application/octet-stream', 'att:ext:exe', 'cs:us-ascii', 'see', 'attached']) {
    assert.ok(tokens.has(t), `missing ${t}`);
  }
  assert.ok([...tokens].some((t) => t.startsWith('att:size:')));
});

test('tokenize: OSB pairs words up to the window apart, with the gap in the feature', async () => {
  const msg = await parseMessage(mail('Subject: x', 'aa bb cc dd ee ff'));
  const tokens = new Set(tokenize(msg, { osb: true }));
  for (const t of ['aa 1 bb', 'aa 2 cc', 'aa 3 dd', 'aa 4 ee', 'ee 1 ff', 'aa', 'ff']) assert.ok(tokens.has(t), `missing ${t}`);
  assert.ok(!tokens.has('aa 5 ff'), 'pairs stop at the window');
  const plain = new Set(tokenize(msg));
  assert.ok(![...plain].some((t) => t.includes(' ')));
});

test('tokenize: character n-grams over the folded body', async () => {
  const tokens = new Set(tokenize(await parseMessage(mail('Subject: x', 'ABCDE')), { charNgrams: 4, unigrams: false }));
  assert.ok(tokens.has('#abcd') && tokens.has('#bcde'));
  assert.ok(!tokens.has('abcde'), 'unigrams off');
});

test('tokenize: HTML text is tokenized and markup is optional', async () => {
  const raw = mail('Subject: x\r\nContent-Type: text/html', '<html><body><font color="#FF0000" size=5>Buy cheap pills</font></body></html>');
  const msg = await parseMessage(raw);
  const plain = new Set(tokenize(msg));
  assert.ok(plain.has('buy') && plain.has('pills'));
  assert.ok(![...plain].some((t) => t.startsWith('tag:')));
  const tags = new Set(tokenize(msg, { htmlTags: true }));
  assert.ok(tags.has('tag:font') && tags.has('tag:font:color=#ff0000') && tags.has('tag:font:size=5'));
});

test('tokenize returns distinct tokens and honours the cap', async () => {
  const words = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
  const msg = await parseMessage(mail('Subject: same same same', `${words} ${words}`));
  const all = tokenize(msg);
  assert.equal(new Set(all).size, all.length);
  assert.equal(all.filter((t) => t === 'subject:same').length, 1);
  assert.equal(tokenize(msg, { maxTokens: 50 }).length, 50);
});
