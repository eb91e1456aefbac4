import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageBuffer } from './message.ts';

test('headers become `Name: value` CRLF lines, folds get their CR back, then the empty line and the body', () => {
  const m = new MessageBuffer(1000);
  m.addHeader('Subject', 'one\n\ttwo');
  m.addHeader('X-Empty', '');
  m.endHeaders();
  m.addBody(Buffer.from('body\r\n'));
  m.addBody(Buffer.from('more\r\n'));
  assert.equal(m.bytes().toString('latin1'), 'Subject: one\r\n\ttwo\r\nX-Empty: \r\n\r\nbody\r\nmore\r\n');
  assert.deepEqual(m.headerNames, ['Subject', 'X-Empty']);
});

test('latin1 header values come back as the original bytes', () => {
  const m = new MessageBuffer(1000);
  m.addHeader('Subject', Buffer.from('café', 'utf8').toString('latin1'));
  assert.equal(m.bytes().toString('utf8'), 'Subject: café\r\n\r\n');
});

test('no EOH: the first body chunk starts the body; no body at all still ends the header block', () => {
  const a = new MessageBuffer(1000);
  a.addHeader('A', 'b');
  a.addBody(Buffer.from('x\r\n'));
  assert.equal(a.bytes().toString(), 'A: b\r\n\r\nx\r\n');
  const b = new MessageBuffer(1000);
  b.addHeader('A', 'b');
  assert.equal(b.bytes().toString(), 'A: b\r\n\r\n');
});

test('past the limit nothing more is kept, the size keeps counting', () => {
  const m = new MessageBuffer(20);
  m.addHeader('A', 'b');
  m.endHeaders();
  assert.equal(m.oversize, false);
  m.addBody(Buffer.alloc(12, 0x78));
  assert.equal(m.oversize, false, 'exactly the limit is fine');
  assert.equal(m.bytes().length, 20);
  m.addBody(Buffer.from('y'));
  assert.equal(m.oversize, true);
  m.addBody(Buffer.alloc(100));
  assert.equal(m.size, 121);
  assert.equal(m.bytes().length, 0);
});
