// Tests for the bounded streaming line splitter: reassembly, offsets, long-line pieces, chunk boundaries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { splitLines } from './line-splitter.ts';
import type { LinePiece } from './line-splitter.ts';
import { tempDir } from './test-helpers.ts';

async function split(path: string, size: number, chunkBytes: number, maxLineBytes: number, seen?: Buffer[]): Promise<LinePiece[]> {
  const fh = await open(path, 'r');
  try {
    const out: LinePiece[] = [];
    const onChunk = (c: Buffer): void => void seen?.push(Buffer.from(c));
    for await (const batch of splitLines(fh, { end: size, chunkBytes, maxLineBytes, onChunk })) out.push(...batch);
    return out;
  } finally {
    await fh.close();
  }
}

const cases: { name: string; text: string; lines: [string, boolean, boolean][] }[] = [
  // [bytes, atLineStart, ends]
  { name: 'LF lines', text: 'a\nbb\n\nccc\n', lines: [['a\n', true, true], ['bb\n', true, true], ['\n', true, true], ['ccc\n', true, true]] },
  { name: 'CRLF lines', text: 'a\r\n\r\nb\r\n', lines: [['a\r\n', true, true], ['\r\n', true, true], ['b\r\n', true, true]] },
  { name: 'no final newline', text: 'a\nbc', lines: [['a\n', true, true], ['bc', true, false]] },
  { name: 'empty file', text: '', lines: [] },
];

for (const c of cases) {
  test(`splitLines: ${c.name}, every chunk size`, async (t) => {
    const path = join(await tempDir(t), 'f');
    await writeFile(path, c.text);
    for (const chunk of [1, 2, 3, 5, 64]) {
      const pieces = await split(path, c.text.length, chunk, 1024);
      assert.deepEqual(
        pieces.map((p) => [p.bytes.toString('latin1'), p.atLineStart, p.ends]),
        c.lines,
        `chunk ${chunk}`,
      );
      let offset = 0;
      for (const p of pieces) {
        assert.equal(p.offset, offset);
        offset += p.bytes.length;
      }
    }
  });
}

test('splitLines hands an over-long line on in bounded pieces', async (t) => {
  const path = join(await tempDir(t), 'f');
  const long = 'x'.repeat(100);
  await writeFile(path, `a\n${long}\nb\n`);
  const pieces = await split(path, 106, 8, 16);
  assert.equal(pieces.map((p) => p.bytes.toString()).join(''), `a\n${long}\nb\n`);
  for (const p of pieces) assert.ok(p.bytes.length <= 16 + 8, `piece of ${p.bytes.length} bytes`);
  const longPieces = pieces.filter((p) => p.bytes.includes(0x78));
  assert.ok(longPieces.length > 1);
  assert.deepEqual(longPieces.map((p) => p.atLineStart), longPieces.map((_, i) => i === 0));
  assert.equal(longPieces.at(-1)!.ends, true);
  assert.equal(pieces.at(-1)!.bytes.toString(), 'b\n');
  assert.equal(pieces.at(-1)!.atLineStart, true);
});

test('splitLines stops at `end` and shows every consumed byte to onChunk', async (t) => {
  const path = join(await tempDir(t), 'f');
  await writeFile(path, 'one\ntwo\nthree\n');
  const seen: Buffer[] = [];
  const pieces = await split(path, 8, 3, 1024, seen);
  assert.deepEqual(pieces.map((p) => p.bytes.toString()), ['one\n', 'two\n']);
  assert.equal(Buffer.concat(seen).toString(), 'one\ntwo\n');
});
