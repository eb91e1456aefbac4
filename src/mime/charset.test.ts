import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isKnownCharset } from './charset.ts';

test('isKnownCharset accepts decodable labels and their common spellings', async (t) => {
  const cases: [string, boolean][] = [
    ['utf-8', true],
    ['UTF8', true],
    ['iso-8859-1', true],
    ['us-ascii', true],
    ['cp1252', true],
    ['x-cp1251', true],
    ['windows-1250', true],
    ['x-euc-jp', true],
    ['koi8-r', true],
    ['gb2312', true],
    ['iso-2022-jp-2', true],
    ['DEFAULT_CHARSET', false],
    ['unknown-8bit', false],
    ['x-no-such-thing', false],
    ['', false],
  ];
  for (const [label, known] of cases) await t.test(label || '(empty)', () => assert.equal(isKnownCharset(label), known));
});
