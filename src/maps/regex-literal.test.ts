// Table-driven tests for regex literal parsing and the nested-quantifier screen.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findNestedQuantifier, parseRegexLiteral, RegexLiteralError } from './regex-literal.ts';

test('parses /pattern/flags literals', () => {
  const cases: [string, string, string][] = [
    ['/viagra/i', 'viagra', 'i'],
    ['/a\\/b/', 'a\\/b', ''],
    ['/^x$/ms', '^x$', 'ms'],
    ['/\\p{L}+/u', '\\p{L}+', 'u'],
  ];
  for (const [src, source, flags] of cases) {
    const re = parseRegexLiteral(src);
    assert.equal(re.source, source, src);
    assert.equal(re.flags, flags, src);
  }
});

test('bare patterns only when allowed', () => {
  assert.equal(parseRegexLiteral('^spam', { allowBare: true }).source, '^spam');
  assert.throws(() => parseRegexLiteral('^spam'), /must be written \/pattern\/flags/);
});

test('refuses bad literals with a message naming the value', () => {
  const cases: [string, RegExp][] = [
    ['/abc', /no closing/],
    ['/abc/g', /unsupported flag 'g'/],
    ['/abc/y', /unsupported flag 'y'/],
    ['/abc/ii', /repeats a flag/],
    ['//', /is empty/],
    ['/a(b/', /\/a\(b\/ is invalid/],
    ['/(a+)+$/', /nests unbounded quantifiers in '\(a\+\)\+'/],
  ];
  for (const [src, msg] of cases) {
    assert.throws(() => parseRegexLiteral(src), (e: unknown) => e instanceof RegexLiteralError && msg.test(e.message), src);
  }
});

test('nested-quantifier screen: dangerous vs safe', () => {
  const dangerous = ['(a+)+', '(a*)*', '(\\w+\\s?)*', '(?:x|y*)+', '((ab)*)+', '(.*)+x', '(a+){2,}', '([a-z]+)*?', '(?<n>\\d+)+'];
  const safe = [
    '(a+)',
    '(ab)+',
    '(?:[a-z0-9-]+\\.)+[a-z]{2,}',
    '(a|b)+',
    '(a+){2}',
    '[(a+)+]',
    '\\(a+\\)+',
    '(?:\\d{1,3}\\.){3}\\d{1,3}',
    'v[i1]agra',
    '^(?:re|fw):',
  ];
  for (const p of dangerous) assert.ok(findNestedQuantifier(p), `should flag ${p}`);
  for (const p of safe) assert.equal(findNestedQuantifier(p), undefined, `should allow ${p}`);
});
