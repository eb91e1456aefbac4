// Table-driven tests of the bogoutil dump reader and the bogofilter → winnow token mapping.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage } from '../../mime/parse.ts';
import { tokenize } from '../tokenizer.ts';
import { BogofilterImport, BogoutilFormatError, dayOfDate, mapBogofilterToken, parseBogoutilLine } from './bogoutil.ts';

test('parseBogoutilLine reads the fields bogoutil -d prints', () => {
  const cases: [string, ReturnType<typeof parseBogoutilLine>][] = [
    ['free 12 3 20240105', { token: 'free', spam: 12, ham: 3, date: '20240105' }],
    ['subj:Money 1 0 20261123', { token: 'subj:Money', spam: 1, ham: 0, date: '20261123' }],
    ['.MSG_COUNT 30 40 20261123', { token: '.MSG_COUNT', spam: 30, ham: 40, date: '20261123' }],
    ['nodate 2 5', { token: 'nodate', spam: 2, ham: 5 }],
    ['zerodate 2 5 0', { token: 'zerodate', spam: 2, ham: 5 }],
    ['  padded\t1   2  20240101  ', { token: 'padded', spam: 1, ham: 2, date: '20240101' }],
    ['By\u00a0Jack 0 4 20261123', { token: 'By\u00a0Jack', spam: 0, ham: 4, date: '20261123' }],
    ['crlf 1 1 20240101\r', { token: 'crlf', spam: 1, ham: 1, date: '20240101' }],
    ['', undefined],
    ['   ', undefined],
  ];
  for (const [line, want] of cases) assert.deepEqual(parseBogoutilLine(line, 1), want, line);
});

test('parseBogoutilLine rejects what is not a dump line, naming the line', () => {
  for (const line of ['onlytoken', 'a 1', 'a 1 2 3 4', 'a x 2 20240101', 'a 1 -2 20240101', 'a 1 2 2024-01-01', '{"type":"totals"}']) {
    assert.throws(() => parseBogoutilLine(line, 7), (e: Error) => e instanceof BogoutilFormatError && /^line 7: /.test(e.message), line);
  }
});

test('bogofilter tokens map to the tokens winnow\'s tokenizer makes', () => {
  const cases: [string, string | undefined][] = [
    ['Money', 'money'],
    ['$100', '$100'],
    ['don\'t', 'don\'t'],
    ['www.example.com', 'www.example.com'],
    ['subj:FREE', 'subject:free'],
    ['from:Alice', 'from:alice'],
    ['to:bob', 'to:bob'],
    ['rcvd:mail.example.org', 'received:mail.example.org'],
    ['rtrn:bounce', 'return-path:bounce'],
    ['head:X-Mailer', undefined],
    ['mime:text', undefined],
    ['Cash!', 'cash'],
    ['a/b', undefined],
    ['x', undefined],
    ['a'.repeat(40), undefined],
    ['Höhn', 'höhn'],
  ];
  for (const [token, want] of cases) assert.equal(mapBogofilterToken(token), want, token);
});

test('mapped names agree with the tokenizer on a real message', async () => {
  const m = await parseMessage(Buffer.from('From: Alice <alice@example.org>\r\nSubject: Cheap Pills\r\n\r\nBuy Money now\r\n'));
  const tokens = new Set(tokenize(m));
  for (const bogo of ['subj:Cheap', 'subj:Pills', 'from:Alice', 'Money', 'Buy']) {
    const t = mapBogofilterToken(bogo);
    assert.ok(t !== undefined && tokens.has(t), `${bogo} → ${t} not among ${[...tokens].join(' ')}`);
  }
});

test('dayOfDate counts whole days since the epoch', () => {
  assert.equal(dayOfDate('19700101'), 0);
  assert.equal(dayOfDate('19700102'), 1);
  assert.equal(dayOfDate('20240101'), 19723);
});

test('an import merges case variants (capped at the totals), drops the unmappable and yields totals first', () => {
  const imp = new BogofilterImport(Date.UTC(2024, 0, 10));
  const lines = [
    '.ENCODING 2 0 20240101',
    '.MSG_COUNT 3 4 20240105',
    'Free 2 0 20240101',
    'free 2 1 20240103',
    'FREE! 1 0 20240102',
    'head:Aug 1 1 20240101',
    'meeting 0 4',
  ];
  lines.forEach((l, i) => imp.add(parseBogoutilLine(l, i + 1)!));
  assert.deepEqual(imp.summary(), { lines: 7, mapped: 4, dropped: 1, tokens: 2, nspam: 3, nham: 4 });
  const rows = [...imp.rows()];
  assert.deepEqual(rows[0], { type: 'totals', nspam: 3, nham: 4 });
  assert.deepEqual(rows.slice(1), [
    { type: 'token', token: 'free', spam: 3, ham: 1, lastSeenDay: dayOfDate('20240103') },
    { type: 'token', token: 'meeting', spam: 0, ham: 4, lastSeenDay: dayOfDate('20240110') },
  ]);
});

test('a merge adds what the namespace already holds', () => {
  const imp = new BogofilterImport();
  imp.add(parseBogoutilLine('.MSG_COUNT 2 2 20240101', 1)!);
  imp.add(parseBogoutilLine('free 2 0 20240101', 2)!);
  const rows = [...imp.rows({ nspam: 10, nham: 20, counts: new Map([['free', { spam: 5, ham: 1 }]]) })];
  assert.deepEqual(rows, [
    { type: 'totals', nspam: 12, nham: 22 },
    { type: 'token', token: 'free', spam: 7, ham: 1, lastSeenDay: dayOfDate('20240101') },
  ]);
});

test('a dump without .MSG_COUNT is refused', () => {
  const imp = new BogofilterImport();
  imp.add(parseBogoutilLine('free 2 0 20240101', 1)!);
  assert.throws(() => [...imp.rows()], /no \.MSG_COUNT/);
});
