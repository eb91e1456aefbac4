// Tests for readAhead: order, overlap with the consumer, errors where they occur, early stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { readAhead } from './read-ahead.ts';

async function* slowSource(n: number, log: string[], failAt = -1): AsyncGenerator<number> {
  try {
    for (let i = 0; i < n; i++) {
      log.push(`produce ${i}`);
      await sleep(1);
      if (i === failAt) throw new Error(`broken at ${i}`);
      yield i;
    }
  } finally {
    log.push('source closed');
  }
}

test('yields every item in order and produces ahead of the consumer', async () => {
  const log: string[] = [];
  const got: number[] = [];
  for await (const x of readAhead(slowSource(10, log), 3)) {
    got.push(x);
    if (x === 0) {
      await sleep(20);
      assert.ok(log.includes('produce 3'), `items 1..3 were produced while item 0 was consumed: ${log.join(', ')}`);
      assert.ok(!log.includes('produce 4'), 'no more than 3 ahead');
    }
  }
  assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('an error reaches the consumer after the items before it', async () => {
  const got: number[] = [];
  await assert.rejects(async () => {
    for await (const x of readAhead(slowSource(10, [], 4), 3)) got.push(x);
  }, /broken at 4/);
  assert.deepEqual(got, [0, 1, 2, 3]);
});

test('stopping early closes the source', async () => {
  const log: string[] = [];
  for await (const x of readAhead(slowSource(100, log), 2)) if (x === 2) break;
  assert.equal(log.at(-1), 'source closed');
  assert.ok(!log.includes('produce 10'));
});
