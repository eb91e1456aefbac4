// Table-driven tests of listener address parsing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseListenAddress } from './listen-address.ts';

test('parses listen addresses', () => {
  const cases: [string, unknown][] = [
    ['127.0.0.1:11333', { host: '127.0.0.1', port: 11333 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
    ['[::1]:11334', { host: '::1', port: 11334 }],
    ['/run/winnow/http.sock', { path: '/run/winnow/http.sock' }],
  ];
  for (const [input, want] of cases) assert.deepEqual(parseListenAddress(input), want, input);
});

test('refuses malformed listen addresses with the value in the message', () => {
  for (const bad of ['11333', '::1:11333', 'host:99999', 'host:', 'relative/path.sock']) {
    assert.throws(() => parseListenAddress(bad), new RegExp(bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')), bad);
  }
});
