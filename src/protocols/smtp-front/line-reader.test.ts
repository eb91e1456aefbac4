// Line splitting: CRLF and bare LF, split chunks, overlong lines cut and their tail dropped, binary bytes kept.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_LINE_BYTES } from './dialogue.ts';
import { LineReader } from './line-reader.ts';

function lines(r: LineReader): [string, boolean][] {
  const out: [string, boolean][] = [];
  for (let l = r.next(); l; l = r.next()) out.push([l.text, l.overlong]);
  return out;
}

test('CRLF, bare LF and lines split across chunks', () => {
  const r = new LineReader();
  r.push(Buffer.from('HELO a\r\nMAIL FR'));
  assert.deepEqual(lines(r), [['HELO a', false]]);
  assert.equal(r.pending, 7);
  r.push(Buffer.from('OM:<a@b>\nRCPT TO:<c@d>\r\n\r\n'));
  assert.deepEqual(lines(r), [['MAIL FROM:<a@b>', false], ['RCPT TO:<c@d>', false], ['', false]]);
  assert.equal(r.pending, 0);
});

test('an overlong line is cut once and its tail up to the LF is dropped', () => {
  const r = new LineReader();
  r.push(Buffer.alloc(MAX_LINE_BYTES + 10, 0x41));
  const [first] = lines(r);
  assert.deepEqual([first[0].length, first[1]], [MAX_LINE_BYTES, true]);
  r.push(Buffer.alloc(50_000, 0x42));
  assert.deepEqual(lines(r), [], 'the tail is dropped, not buffered');
  assert.equal(r.pending, 0);
  r.push(Buffer.from('BBB\r\nQUIT\r\n'));
  assert.deepEqual(lines(r), [['QUIT', false]]);
  const one = new LineReader();
  one.push(Buffer.concat([Buffer.alloc(MAX_LINE_BYTES + 1, 0x43), Buffer.from('\r\nNOOP\r\n')]));
  assert.deepEqual(lines(one).map(([t, o]) => [t.length, o]), [[MAX_LINE_BYTES, true], [4, false]]);
});

test('binary bytes survive as latin1; takeRest hands over what is buffered', () => {
  const r = new LineReader();
  r.push(Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x44, 0x41]));
  assert.deepEqual(lines(r), [['\x00\xff', false]]);
  assert.deepEqual([...r.takeRest()], [0x44, 0x41]);
  assert.equal(r.pending, 0);
});
