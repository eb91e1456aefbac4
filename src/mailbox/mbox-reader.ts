// Streams an mbox file into messages and damage events, remembering exactly which bytes were read so a later rewrite can check them.
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { mailboxFsError } from './fs-errors.ts';
import { splitLines } from './line-splitter.ts';
import { MboxParser } from './mbox-parser.ts';
import type { MboxEvent } from './mbox-parser.ts';
import { MAX_MESSAGE_BYTES } from './types.ts';

/** What the file looked like when we read it; `commitMboxRemovals` compares the file against it under the lock. */
export interface MboxSnapshot {
  ino: number;
  mtimeMs: number;
  /** Clock time when the file was opened (to judge whether `mtimeMs` can be trusted, see mbox-rewrite). */
  openedAtMs: number;
  /** File size when reading began: reading stops there, so a delivery arriving meanwhile is not half-read. */
  readEnd: number;
  /** Bytes [0, hashedEnd) went into `hash`; equals `readEnd` once the whole file was read. */
  hashedEnd: number;
  hash: Hash;
}

export interface MboxScanOptions {
  maxMessageBytes?: number;
  chunkBytes?: number;
  /** Filled in as soon as the file is open, then updated as chunks are read. */
  snapshot?: (snap: MboxSnapshot) => void;
}

export const SNAPSHOT_HASH = 'sha256';

export async function* scanMbox(path: string, opts: MboxScanOptions = {}): AsyncGenerator<MboxEvent> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw mailboxFsError(path, err);
  }
  try {
    const st = await fh.stat();
    const snap: MboxSnapshot = {
      ino: st.ino,
      mtimeMs: st.mtimeMs,
      openedAtMs: Date.now(),
      readEnd: st.size,
      hashedEnd: 0,
      hash: createHash(SNAPSHOT_HASH),
    };
    opts.snapshot?.(snap);
    const parser = new MboxParser(opts.maxMessageBytes ?? MAX_MESSAGE_BYTES);
    const onChunk = (chunk: Buffer): void => {
      snap.hash.update(chunk);
      snap.hashedEnd += chunk.length;
    };
    const events: MboxEvent[] = [];
    for await (const batch of splitLines(fh, { end: st.size, chunkBytes: opts.chunkBytes, onChunk })) {
      for (const piece of batch) parser.push(piece, events);
      // Hand events over between batches, so a message is yielded before the next chunk is read.
      yield* events;
      events.length = 0;
    }
    parser.end(snap.hashedEnd, events);
    yield* events;
  } finally {
    await fh.close();
  }
}

/** Number of `From `-separated messages (damaged ones included) without keeping any message in memory. */
export async function countMboxMessages(path: string, chunkBytes?: number): Promise<number> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw mailboxFsError(path, err);
  }
  try {
    const st = await fh.stat();
    // A zero size limit makes the parser drop every line instead of buffering it.
    const parser = new MboxParser(0);
    const sink: MboxEvent[] = [];
    for await (const batch of splitLines(fh, { end: st.size, chunkBytes })) {
      for (const piece of batch) parser.push(piece, sink);
      sink.length = 0;
    }
    return parser.messagesSeen;
  } finally {
    await fh.close();
  }
}
