// Table-driven tests for map-file line parsing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_MAP_LINE_CHARS, MapParseError, parseMapText } from './map-file.ts';

test('parses entries, values, comments and blank lines', () => {
  const text = [
    '# a comment',
    '',
    '192.0.2.1',
    '  10.0.0.0/8   internal network  ',
    'example.com # trailing comment',
    'spam.example reason # note',
    'a#b',
    '\t',
  ].join('\r\n');
  assert.deepEqual(parseMapText(text), [
    { key: '192.0.2.1', line: 3 },
    { key: '10.0.0.0/8', value: 'internal network', line: 4 },
    { key: 'example.com', line: 5 },
    { key: 'spam.example', value: 'reason', line: 6 },
    { key: 'a#b', line: 7 },
  ]);
});

test('regex keys extend to the closing slash and flags', () => {
  const text = ['/hello world/i  greeting', '/a#b [/] c/', '/x\\/y/m # note', 'bare.*pattern value'].join('\n');
  assert.deepEqual(parseMapText(text, { regexKeys: true }), [
    { key: '/hello world/i', value: 'greeting', line: 1 },
    { key: '/a#b [/] c/', line: 2 },
    { key: '/x\\/y/m', line: 3 },
    { key: 'bare.*pattern', value: 'value', line: 4 },
  ]);
  assert.throws(() => parseMapText('ok\n/unclosed', { regexKeys: true }), (e: unknown) => e instanceof MapParseError && e.line === 2);
});

test('refuses overlong lines with the line number', () => {
  assert.throws(() => parseMapText(`a\n${'x'.repeat(MAX_MAP_LINE_CHARS + 1)}`), /^Error: line 2: line longer/);
});
