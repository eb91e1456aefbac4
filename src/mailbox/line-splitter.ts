// Streams a byte range of a file as lines, in batches, with a bounded buffer (over-long lines come in pieces).
import type { FileHandle } from 'node:fs/promises';
import { MAX_LINE_BYTES, READ_CHUNK_BYTES } from './types.ts';

/** A whole line, or a piece of a line longer than the line limit. */
export interface LinePiece {
  /** The bytes, including the `\n` (and `\r`) when `ends`. */
  bytes: Buffer;
  /** File offset of `bytes[0]`. */
  offset: number;
  /** False for the second and later pieces of an over-long line. */
  atLineStart: boolean;
  /** The piece ends with `\n`. False for a non-final piece of a long line and for a last line without newline. */
  ends: boolean;
}

export interface SplitOptions {
  start?: number;
  /** Read up to (not including) this offset; reading stops early if the file is shorter. */
  end: number;
  chunkBytes?: number;
  maxLineBytes?: number;
  /** Sees every chunk as read, in order (used to hash exactly the bytes that were consumed). */
  onChunk?: (chunk: Buffer) => void;
}

const LF = 0x0a;

/**
 * Yields one batch of line pieces per chunk read, so a caller loops synchronously over many lines
 * per await: an async step per line would dominate the time on a multi-gigabyte mbox.
 */
export async function* splitLines(fh: FileHandle, opts: SplitOptions): AsyncGenerator<LinePiece[]> {
  const chunkBytes = opts.chunkBytes ?? READ_CHUNK_BYTES;
  const maxLineBytes = opts.maxLineBytes ?? MAX_LINE_BYTES;
  let pos = opts.start ?? 0;
  // The unfinished line carried from earlier chunks.
  let pending: Buffer[] = [];
  let pendingLen = 0;
  let pendingOffset = pos;
  let atLineStart = true;

  while (pos < opts.end) {
    const want = Math.min(chunkBytes, opts.end - pos);
    // A fresh buffer per chunk: yielded pieces are views into it and must stay valid.
    const buf = Buffer.allocUnsafe(want);
    const { bytesRead } = await fh.read(buf, 0, want, pos);
    if (bytesRead === 0) break;
    const chunk = buf.subarray(0, bytesRead);
    opts.onChunk?.(chunk);
    const batch: LinePiece[] = [];
    let i = 0;
    while (i < chunk.length) {
      const nl = chunk.indexOf(LF, i);
      if (nl === -1) {
        if (pendingLen === 0) pendingOffset = pos + i;
        pending.push(chunk.subarray(i));
        pendingLen += chunk.length - i;
        break;
      }
      const part = chunk.subarray(i, nl + 1);
      const offset = pendingLen === 0 ? pos + i : pendingOffset;
      const bytes = pendingLen === 0 ? part : Buffer.concat([...pending, part]);
      batch.push({ bytes, offset, atLineStart, ends: true });
      pending = [];
      pendingLen = 0;
      atLineStart = true;
      i = nl + 1;
    }
    if (pendingLen >= maxLineBytes) {
      batch.push({ bytes: Buffer.concat(pending), offset: pendingOffset, atLineStart, ends: false });
      pending = [];
      pendingLen = 0;
      atLineStart = false;
    }
    pos += bytesRead;
    if (batch.length > 0) yield batch;
  }
  if (pendingLen > 0) {
    yield [{ bytes: Buffer.concat(pending), offset: pendingOffset, atLineStart, ends: false }];
  }
}
