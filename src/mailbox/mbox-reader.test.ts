// Table-driven mbox splitting tests (mboxrd quoting, CRLF, untrusted Content-Length, damage) run at many chunk sizes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { countMboxMessages, scanMbox } from './mbox-reader.ts';
import type { MboxSnapshot } from './mbox-reader.ts';
import { tempDir } from './test-helpers.ts';

type Out = string | { damage: string; index?: number; start: number; end: number };

interface Scanned {
  out: Out[];
  envs: string[];
  ranges: [number, number][];
}

async function scan(path: string, chunkBytes: number, maxMessageBytes = 1 << 20): Promise<Scanned> {
  const out: Out[] = [];
  const envs: string[] = [];
  const ranges: [number, number][] = [];
  for await (const ev of scanMbox(path, { chunkBytes, maxMessageBytes })) {
    if (ev.type === 'message') {
      out.push(Buffer.from(ev.bytes).toString('latin1'));
      envs.push(ev.envelopeFrom);
      ranges.push([ev.start, ev.end]);
    } else {
      const where = { start: ev.start, end: ev.end };
      out.push(ev.index === undefined ? { damage: ev.kind, ...where } : { damage: ev.kind, index: ev.index, ...where });
    }
  }
  return { out, envs, ranges };
}

const F1 = 'From alice@example.org Thu Aug 22 13:17:22 2002\n';
const F2 = 'From bob@example.org Fri Aug 23 09:00:00 2002\n';
const M1 = 'Subject: one\n\nbody one\n';
const M2 = 'Subject: two\n\nbody two\n';

const cases: { name: string; text: string; out: Out[]; count: number; max?: number }[] = [
  { name: 'two messages', text: `${F1}${M1}\n${F2}${M2}\n`, out: [M1, M2], count: 2 },
  { name: 'no blank line after the last message', text: `${F1}${M1}\n${F2}${M2}`, out: [M1, M2], count: 2 },
  {
    name: 'mboxrd quoting is undone one level',
    text: `${F1}Subject: q\n\n>From here\n>>From there\nnot >From mid-line\n>Fromage\n\n${F2}${M2}\n`,
    out: ['Subject: q\n\nFrom here\n>From there\nnot >From mid-line\n>Fromage\n', M2],
    count: 2,
  },
  {
    name: 'a From line not after a blank line is body text (mboxo)',
    text: `${F1}Subject: q\n\nline\nFrom inside the body\n\n${F2}${M2}\n`,
    out: ['Subject: q\n\nline\nFrom inside the body\n', M2],
    count: 2,
  },
  {
    name: 'Content-Length is not trusted',
    text: `${F1}Content-Length: 3\nSubject: one\n\nbody one\n\n${F2}Content-Length: 9999\n\nb\n\n`,
    out: ['Content-Length: 3\nSubject: one\n\nbody one\n', 'Content-Length: 9999\n\nb\n'],
    count: 2,
  },
  {
    name: 'CRLF file',
    text: `From a Thu Aug 22 13:17:22 2002\r\nSubject: one\r\n\r\n>From x\r\n\r\nFrom b Thu Aug 22 13:17:22 2002\r\nSubject: two\r\n\r\nb\r\n\r\n`,
    out: ['Subject: one\r\n\r\nFrom x\r\n', 'Subject: two\r\n\r\nb\r\n'],
    count: 2,
  },
  { name: 'empty message between two', text: `${F1}${M1}\n${F2}\n${F1}${M2}\n`, out: [M1, '', M2], count: 3 },
  { name: 'leading blank lines are not damage', text: `\n\n${F1}${M1}\n`, out: [M1], count: 1 },
  {
    name: 'file ends mid-message: earlier messages still come out',
    text: `${F1}${M1}\n${F2}Subject: two\n\nhalf a li`,
    out: [M1, { damage: 'truncated', index: 2, start: F1.length + M1.length + 1, end: F1.length + M1.length + 1 + F2.length + 23 }],
    count: 2,
  },
  {
    name: 'garbage before the first From line',
    text: `xx garbage\nmore\n\n${F1}${M1}\n`,
    out: [{ damage: 'garbage-start', start: 0, end: 17 }, M1],
    count: 1,
  },
  { name: 'garbage only', text: 'not an mbox\n', out: [{ damage: 'garbage-start', start: 0, end: 12 }], count: 0 },
  {
    name: 'a message over the size limit is skipped, neighbours kept',
    text: `${F1}${M1}\n${F2}Subject: big\n\n${'x'.repeat(200)}\n\n${F1}${M2}\n`,
    max: 100,
    out: [M1, { damage: 'too-large', index: 2, start: F1.length + M1.length + 1, end: F1.length + M1.length + 1 + F2.length + 216 }, M2],
    count: 3,
  },
];

for (const c of cases) {
  test(`scanMbox: ${c.name}`, async (t) => {
    const path = join(await tempDir(t), 'mbox');
    await writeFile(path, c.text, 'latin1');
    const reference = await scan(path, 1 << 16, c.max);
    assert.deepEqual(reference.out, c.out);
    for (const chunk of [1, 2, 3, 7, 13, 64]) {
      assert.deepEqual(await scan(path, chunk, c.max), reference, `chunk size ${chunk}`);
    }
    assert.equal(await countMboxMessages(path, 5), c.count);
  });
}

test('scanMbox: entry ranges tile the file from the first From line', async (t) => {
  const path = join(await tempDir(t), 'mbox');
  const text = `${F1}${M1}\n${F2}${M2}\n${F1}x\n`;
  await writeFile(path, text);
  const { ranges, envs } = await scan(path, 4);
  assert.deepEqual(ranges, [
    [0, F1.length + M1.length + 1],
    [F1.length + M1.length + 1, F1.length + M1.length + 1 + F2.length + M2.length + 1],
    [F1.length + M1.length + 1 + F2.length + M2.length + 1, text.length],
  ]);
  assert.deepEqual(envs, [F1.trim(), F2.trim(), F1.trim()]);
});

test('scanMbox: reading stops at the size seen on open and hashes exactly what it read', async (t) => {
  const path = join(await tempDir(t), 'mbox');
  await writeFile(path, `${F1}${M1}\n`);
  let snap: MboxSnapshot | undefined;
  const texts: string[] = [];
  for await (const ev of scanMbox(path, { chunkBytes: 8, snapshot: (s) => (snap = s) })) {
    if (ev.type === 'message') texts.push(Buffer.from(ev.bytes).toString());
    // A delivery arriving while we read must not be half-read.
    await writeFile(path, `${F2}${M2}\n`, { flag: 'a' });
  }
  assert.deepEqual(texts, [M1]);
  assert.equal(snap!.readEnd, F1.length + M1.length + 1);
  assert.equal(snap!.hashedEnd, snap!.readEnd);
});
