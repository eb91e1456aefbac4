// Stutter timing with a short delay on a recording sink: pace, CR insertion, the grey cut-off, non-reading clients, many connections.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crlf, MAX_WRITE_BACKLOG_BYTES, Stutterer, type StutterSink } from './stutter.ts';

class Sink implements StutterSink {
  chunks: { t: number; s: string }[] = [];
  destroyed = false;
  writableLength = 0;
  write(chunk: string): boolean {
    this.chunks.push({ t: performance.now(), s: chunk });
    return true;
  }
  get text(): string {
    return this.chunks.map((c) => c.s).join('');
  }
}

function sendAll(st: Stutterer, sink: Sink, text: string, until = Infinity): Promise<boolean> {
  return new Promise((resolve) => st.send(sink, text, until, resolve));
}

test('crlf inserts CR before bare LF only', () => {
  assert.equal(crlf('450-a\n450 b\n'), '450-a\r\n450 b\r\n');
  assert.equal(crlf('a\r\nb'), 'a\r\nb');
});

test('one character per delay, CR before bare LF', async () => {
  const DELAY = 40;
  const st = new Stutterer(DELAY);
  const sink = new Sink();
  const t0 = performance.now();
  assert.equal(await sendAll(st, sink, '220 x\n'), true);
  const elapsed = performance.now() - t0;
  assert.equal(sink.text, '220 x\r\n');
  assert.equal(sink.chunks.length, 7, 'one write per character');
  assert.ok(sink.chunks.every((c) => c.s.length === 1));
  const gaps = sink.chunks.slice(1).map((c, i) => c.t - sink.chunks[i].t);
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  assert.ok(mean >= DELAY * 0.75 && mean <= DELAY * 1.6, `mean gap ${mean.toFixed(1)} ms for a ${DELAY} ms delay`);
  assert.ok(elapsed >= 6 * DELAY * 0.75, `whole reply took ${elapsed.toFixed(0)} ms`);
  st.close();
});

test('past `until` the rest goes out at once (greylisted clients stutter only at first)', async () => {
  const st = new Stutterer(30);
  const sink = new Sink();
  await sendAll(st, sink, 'abcdefghij');
  assert.equal(sink.chunks.length, 10);
  const late = new Sink();
  await sendAll(st, late, 'x'.repeat(40), performance.now() + 100);
  assert.ok(late.chunks.length >= 3 && late.chunks.length <= 6, `${late.chunks.length} writes: a few single characters, then the rest in one`);
  assert.equal(late.text, 'x'.repeat(40));
  const noStutter = new Sink();
  await sendAll(new Stutterer(0), noStutter, 'whole\n');
  assert.deepEqual(noStutter.chunks.map((c) => c.s), ['whole\r\n']);
  st.close();
});

test('a client that does not read, or is gone, ends the send with false', async () => {
  const st = new Stutterer(10);
  const stuck = new Sink();
  const p = sendAll(st, stuck, 'hello world');
  stuck.writableLength = MAX_WRITE_BACKLOG_BYTES + 1;
  assert.equal(await p, false);
  const gone = new Sink();
  const q = sendAll(st, gone, 'hello world');
  gone.destroyed = true;
  assert.equal(await q, false);
  st.close();
});

test('cancel drops a pending send without its callback; many connections share one pace', async () => {
  const st = new Stutterer(20);
  const cancelled = new Sink();
  let called = false;
  const cancel = st.send(cancelled, 'abcdef', Infinity, () => (called = true));
  cancel();
  const sinks = Array.from({ length: 2000 }, () => new Sink());
  const t0 = performance.now();
  const results = await Promise.all(sinks.map((s) => sendAll(st, s, 'abcd')));
  const elapsed = performance.now() - t0;
  assert.ok(results.every(Boolean));
  assert.ok(sinks.every((s) => s.text === 'abcd'));
  assert.ok(elapsed >= 55 && elapsed < 1000, `2000 connections x 4 characters took ${elapsed.toFixed(0)} ms`);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(called, false);
  assert.equal(cancelled.text, 'a', 'only the first character went out before the cancel');
  assert.equal(st.size, 0);
  st.close();
});
