// Splits an mbox (mboxo/mboxrd, LF or CRLF) into messages line by line; a sync state machine fed by the line splitter.
// Format: a message starts at a `From ` line that opens the file or follows a blank line (RFC 4155);
// Content-Length is ignored (it is not trusted), and mboxrd quoting (`>+From ` → one `>` less) is undone.
import type { LinePiece } from './line-splitter.ts';

export interface MboxMessageEvent {
  type: 'message';
  /** 1-based position among the mbox's `From `-separated messages. */
  index: number;
  /** Byte range of the whole entry: its `From ` line up to the next `From ` line (or end of file). */
  start: number;
  end: number;
  envelopeFrom: string;
  bytes: Uint8Array;
}

export interface MboxDamageEvent {
  type: 'damage';
  kind: 'garbage-start' | 'truncated' | 'too-large';
  /** The message's 1-based index; absent for bytes before the first message. */
  index?: number;
  start: number;
  end: number;
}

export type MboxEvent = MboxMessageEvent | MboxDamageEvent;

interface Entry {
  index: number;
  start: number;
  envelopeFrom: string;
  parts: Buffer[];
  size: number;
  oversized: boolean;
  /** The last appended line was blank: it is the separator before the next `From `, not content. */
  endsBlank: boolean;
}

const FROM_ = Buffer.from('From ');
const GT = 0x3e;

/** A `From ` line; `bytes` is a line start. */
export function isFromLine(bytes: Uint8Array): boolean {
  return bytes.length >= 5 && FROM_.equals(bytes.subarray(0, 5));
}

/** `\n` or `\r\n` alone. */
export function isBlankLine(bytes: Uint8Array): boolean {
  return (bytes.length === 1 && bytes[0] === 0x0a) || (bytes.length === 2 && bytes[0] === 0x0d && bytes[1] === 0x0a);
}

/** mboxrd: a `>From `, `>>From `... line had one `>` added on write. */
function isQuotedFromLine(bytes: Uint8Array): boolean {
  if (bytes[0] !== GT) return false;
  let i = 1;
  while (i < bytes.length && bytes[i] === GT) i++;
  return bytes.length - i >= 5 && FROM_.equals(bytes.subarray(i, i + 5));
}

function lineText(bytes: Buffer): string {
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === 0x0a) end--;
  if (end > 0 && bytes[end - 1] === 0x0d) end--;
  return bytes.toString('latin1', 0, end);
}

/** One copy into a buffer of its own (not a view into a shared pool), so `bytes.buffer` is safe to hand on. */
function joinParts(parts: Buffer[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Feed every piece in file order with `push`, then call `end`. Messages over `maxMessageBytes` are not
 * buffered: their bytes are dropped as soon as the limit is passed and a `too-large` event comes instead.
 */
export class MboxParser {
  private readonly maxMessageBytes: number;
  private current: Entry | undefined;
  private count = 0;
  /** File start counts as "after a blank line" so the first `From ` line opens a message. */
  private prevBlank = true;
  private garbageStart = -1;
  private garbageHasContent = false;
  private lastEnds = true;

  constructor(maxMessageBytes: number) {
    this.maxMessageBytes = maxMessageBytes;
  }

  push(piece: LinePiece, out: MboxEvent[]): void {
    this.lastEnds = piece.ends;
    if (piece.atLineStart && this.prevBlank && isFromLine(piece.bytes)) {
      this.finish(piece.offset, out);
      this.count++;
      this.current = {
        index: this.count,
        start: piece.offset,
        envelopeFrom: lineText(piece.bytes),
        parts: [],
        size: 0,
        oversized: false,
        endsBlank: false,
      };
      this.prevBlank = false;
      return;
    }
    const blank = piece.atLineStart && isBlankLine(piece.bytes);
    this.prevBlank = blank;
    const cur = this.current;
    if (cur === undefined) {
      if (this.garbageStart < 0) this.garbageStart = piece.offset;
      if (!blank) this.garbageHasContent = true;
      return;
    }
    cur.endsBlank = blank;
    const bytes = piece.atLineStart && isQuotedFromLine(piece.bytes) ? piece.bytes.subarray(1) : piece.bytes;
    cur.size += bytes.length;
    if (cur.oversized) return;
    if (cur.size > this.maxMessageBytes) {
      cur.oversized = true;
      cur.parts = [];
      return;
    }
    cur.parts.push(bytes);
  }

  /** `eof` is the offset just past the last byte fed. */
  end(eof: number, out: MboxEvent[]): void {
    if (this.current !== undefined && !this.lastEnds) {
      // The file stops mid-line: the last message was cut off (or is still being written).
      out.push({ type: 'damage', kind: 'truncated', index: this.current.index, start: this.current.start, end: eof });
      this.current = undefined;
      return;
    }
    this.finish(eof, out);
  }

  /** Number of messages (`From ` separators) seen so far. */
  get messagesSeen(): number {
    return this.count;
  }

  private finish(end: number, out: MboxEvent[]): void {
    if (this.garbageStart >= 0) {
      if (this.garbageHasContent) out.push({ type: 'damage', kind: 'garbage-start', start: this.garbageStart, end });
      this.garbageStart = -1;
    }
    const cur = this.current;
    if (cur === undefined) return;
    this.current = undefined;
    if (cur.oversized) {
      out.push({ type: 'damage', kind: 'too-large', index: cur.index, start: cur.start, end });
      return;
    }
    const parts = cur.endsBlank ? cur.parts.slice(0, -1) : cur.parts;
    out.push({
      type: 'message',
      index: cur.index,
      start: cur.start,
      end,
      envelopeFrom: cur.envelopeFrom,
      bytes: joinParts(parts),
    });
  }
}
