// corkWhileBusy against the local Redis: an idle connection writes at once; a busy one holds the turn's commands and sends them together.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { corkWhileBusy } from './cork-while-busy.ts';
import { defineScript } from './lua.ts';

async function connected(): Promise<Redis> {
  const r = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  await r.connect();
  return r;
}

test('an idle connection is not corked: the command leaves at once', async () => {
  const r = await connected();
  try {
    corkWhileBusy(r);
    assert.equal(r.stream.writableCorked, 0);
    assert.equal(await r.ping(), 'PONG');
  } finally {
    r.disconnect();
  }
});

test('with a reply awaited, the turn is corked once; the socket is uncorked at the end of the turn and every reply arrives', async () => {
  const r = await connected();
  try {
    const first = r.ping('first');
    assert.equal(r.commandQueue.length, 1, 'the first command awaits its reply');
    corkWhileBusy(r);
    corkWhileBusy(r);
    assert.equal(r.stream.writableCorked, 1, 'corked once however many commands the turn sends');
    const second = r.ping('second');
    await nextTurn();
    assert.equal(r.stream.writableCorked, 0, 'uncorked when the turn ends');
    assert.deepEqual(await Promise.all([first, second]), ['first', 'second']);
  } finally {
    r.disconnect();
  }
});

test('script calls defined by defineScript batch while busy and still answer in order', async () => {
  const r = await connected();
  try {
    const echo = defineScript(r, 'corkTestEcho', 'return ARGV[1]', 0);
    const pending = Array.from({ length: 20 }, (_, i) => echo(`n${i}`));
    assert.equal(r.stream.writableCorked, 1, 'the first call went out, the next 19 wait for the end of the turn');
    const replies = await Promise.all(pending);
    assert.deepEqual(replies, Array.from({ length: 20 }, (_, i) => `n${i}`));
    assert.equal(r.stream.writableCorked, 0);
  } finally {
    r.disconnect();
  }
});
