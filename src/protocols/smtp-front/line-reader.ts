// Splits client bytes into SMTP lines (RFC 5321 §2.3.8, CRLF or bare LF) with a hard cap on line length and on buffered input.

import { MAX_LINE_BYTES } from './dialogue.ts';

/** Input buffered beyond this pauses reading: a pipelining client waits in its own kernel buffers, not in our memory. */
export const MAX_PENDING_INPUT_BYTES = 2 * MAX_LINE_BYTES;

export interface Line {
  /** The line without its CRLF, bytes as latin1 characters (binary-safe). */
  text: string;
  /** The line was longer than MAX_LINE_BYTES: `text` is its start and the rest is dropped. */
  overlong: boolean;
}

export class LineReader {
  #buf: Buffer | undefined;
  /** Dropping the tail of an overlong line up to its LF. */
  #skipping = false;

  /** Bytes held that no line consumed yet. */
  get pending(): number {
    return this.#buf?.length ?? 0;
  }

  push(chunk: Buffer): void {
    this.#buf = this.#buf && this.#buf.length > 0 ? Buffer.concat([this.#buf, chunk]) : chunk;
  }

  /** The next complete line, or undefined until more input arrives. */
  next(): Line | undefined {
    for (;;) {
      const buf = this.#buf;
      if (!buf || buf.length === 0) return undefined;
      const lf = buf.indexOf(0x0a);
      if (lf < 0) {
        if (this.#skipping) {
          this.#buf = undefined;
          return undefined;
        }
        if (buf.length <= MAX_LINE_BYTES) return undefined;
        this.#skipping = true;
        this.#buf = undefined;
        return { text: buf.toString('latin1', 0, MAX_LINE_BYTES), overlong: true };
      }
      this.#buf = lf + 1 < buf.length ? buf.subarray(lf + 1) : undefined;
      if (this.#skipping) {
        this.#skipping = false;
        continue;
      }
      const end = lf > 0 && buf[lf - 1] === 0x0d ? lf - 1 : lf;
      if (end > MAX_LINE_BYTES) return { text: buf.toString('latin1', 0, MAX_LINE_BYTES), overlong: true };
      return { text: buf.toString('latin1', 0, end), overlong: false };
    }
  }

  /** Everything buffered, for handing the session to the real MTA; the reader is empty afterwards. */
  takeRest(): Buffer {
    const rest = this.#buf ?? Buffer.alloc(0);
    this.#buf = undefined;
    return rest;
  }
}
