// Table-driven tests of the bogofilter-style verdict header: value format, terse form, exit codes and where the header is inserted.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bogosityValue, exitCodeFor, insertHeader, isFieldName, terseValue } from './bogosity.ts';

test('the header value has bogofilter 1.2.5 shape with six decimals', () => {
  assert.equal(bogosityValue('spam', 0.99912345, '0.1.0'), 'Spam, tests=winnow, spamicity=0.999123, version=0.1.0');
  assert.equal(bogosityValue('ham', 0, '0.1.0'), 'Ham, tests=winnow, spamicity=0.000000, version=0.1.0');
  assert.equal(bogosityValue('unsure', 0.5, '1'), 'Unsure, tests=winnow, spamicity=0.500000, version=1');
  // Out-of-range or NaN probabilities never print nonsense.
  assert.equal(bogosityValue('spam', 1.2, '1'), 'Spam, tests=winnow, spamicity=1.000000, version=1');
  assert.equal(bogosityValue('unsure', Number.NaN, '1'), 'Unsure, tests=winnow, spamicity=0.500000, version=1');
  assert.equal(terseValue('ham', 0.0123), 'H 0.012300');
});

test('exit codes are bogofilter\'s: 0 spam, 1 ham, 2 unsure', () => {
  assert.deepEqual([exitCodeFor('spam'), exitCodeFor('ham'), exitCodeFor('unsure')], [0, 1, 2]);
});

test('header names are RFC 5322 field names', () => {
  assert.ok(isFieldName('X-Bogosity'));
  assert.ok(isFieldName('X-Spam-Flag'));
  assert.ok(!isFieldName('X Bogosity'));
  assert.ok(!isFieldName('X:Bogosity'));
  assert.ok(!isFieldName(''));
});

const H = 'X-Bogosity: V';
const cases: { name: string; input: string; want: string }[] = [
  { name: 'LF message', input: 'Subject: a\nFrom: b\n\nbody\n', want: `Subject: a\nFrom: b\n${H}\n\nbody\n` },
  { name: 'CRLF message', input: 'Subject: a\r\nFrom: b\r\n\r\nbody\r\n', want: `Subject: a\r\nFrom: b\r\n${H}\r\n\r\nbody\r\n` },
  { name: 'folded header stays whole', input: 'Subject: a\n  b\n\nx\n', want: `Subject: a\n  b\n${H}\n\nx\n` },
  { name: 'only the first blank line counts', input: 'A: 1\n\nB: 2\n\nC\n', want: `A: 1\n${H}\n\nB: 2\n\nC\n` },
  { name: 'no separator: header appended', input: 'Subject: a\nFrom: b\n', want: `Subject: a\nFrom: b\n${H}\n` },
  { name: 'no separator, no final newline', input: 'Subject: a\nFrom: b', want: `Subject: a\nFrom: b\n${H}\n` },
  { name: 'no separator, CRLF, no final newline', input: 'Subject: a\r\nFrom: b', want: `Subject: a\r\nFrom: b\r\n${H}\r\n` },
  { name: 'procmail hands over the From_ line', input: 'From x@y Mon Jan  1 00:00:00 2024\nSubject: a\n\nb\n', want: `From x@y Mon Jan  1 00:00:00 2024\nSubject: a\n${H}\n\nb\n` },
  { name: 'no header at all: header and blank line in front', input: 'just text\nmore\n', want: `${H}\n\njust text\nmore\n` },
  { name: 'empty header block', input: '\nbody\n', want: `${H}\n\nbody\n` },
  { name: 'empty message', input: '', want: `${H}\n\n` },
  { name: 'body keeps its bytes', input: 'A: 1\n\n\xff\x00\r\nmixed\n', want: `A: 1\n${H}\n\n\xff\x00\r\nmixed\n` },
];

for (const c of cases) {
  test(`insertHeader: ${c.name}`, () => {
    const out = insertHeader(Buffer.from(c.input, 'latin1'), 'X-Bogosity', 'V');
    assert.equal(out.toString('latin1'), c.want);
  });
}

test('insertHeader works on a view into a larger buffer', () => {
  const big = Buffer.from('XXXXSubject: a\n\nb\nYYYY', 'latin1');
  const out = insertHeader(big.subarray(4, big.length - 4), 'H', 'v');
  assert.equal(out.toString('latin1'), 'Subject: a\nH: v\n\nb\n');
});
