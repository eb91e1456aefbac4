// Tests of the bounded shuffle buffer: every item comes out once, the bounds hold, and the order is mixed and reproducible.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShuffleBuffer } from './shuffle-buffer.ts';

function drain(items: number[], maxItems: number, maxBytes = Infinity, seed?: number): number[] {
  const b = new ShuffleBuffer<number>(maxItems, maxBytes, seed);
  const out: number[] = [];
  for (const x of items) {
    b.push(x, 10);
    assert.ok(b.size <= maxItems);
    while (b.full) out.push(b.take()!);
  }
  for (let x = b.take(); x !== undefined; x = b.take()) out.push(x);
  return out;
}

const input = Array.from({ length: 500 }, (_, i) => i);

test('every item comes out exactly once, in a mixed order', () => {
  const out = drain(input, 100);
  assert.deepEqual([...out].sort((a, b) => a - b), input);
  const inPlace = out.filter((x, i) => x === input[i]).length;
  assert.ok(inPlace < 50, `${inPlace} items kept their position`);
});

test('the same seed gives the same order; another seed another order', () => {
  assert.deepEqual(drain(input, 100), drain(input, 100));
  assert.notDeepEqual(drain(input, 100, Infinity, 1), drain(input, 100, Infinity, 2));
});

test('the byte bound fills the buffer before the item bound does', () => {
  const b = new ShuffleBuffer<string>(1000, 25);
  b.push('a', 10);
  b.push('b', 10);
  assert.equal(b.full, false);
  b.push('c', 10);
  assert.equal(b.full, true);
  b.take();
  assert.equal(b.full, false);
  assert.equal(b.size, 2);
});

test('no item comes out before it went in (output lags input by at most the buffer size)', () => {
  const out = drain(input, 50);
  // An item can be taken only while held, and the buffer holds at most 50: it cannot come out earlier than 49 places before its index.
  out.forEach((x, i) => assert.ok(i >= x - 49, `item ${x} came out at ${i}`));
  assert.equal(new ShuffleBuffer<number>().take(), undefined);
});
