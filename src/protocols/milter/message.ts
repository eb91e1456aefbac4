// Rebuilds the RFC 5322 message from milter HEADER and BODY events (CRLF lines), up to a size limit past which nothing more is kept.

const CRLF = Buffer.from('\r\n');

/**
 * Header values arrive without the space after the colon (the MTA strips one unless HDR_LEADSPC was agreed)
 * and with bare LF between folded lines; body chunks are the CRLF lines of the wire, dot-unstuffed.
 */
export class MessageBuffer {
  readonly maxBytes: number;
  /** Header names in the order received: CHGHEADER indexes count occurrences in this list. */
  readonly headerNames: string[] = [];
  #parts: Buffer[] = [];
  #bytes = 0;
  #bodyStarted = false;
  #oversize = false;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** True once the message grew past `maxBytes`; its bytes are no longer kept. */
  get oversize(): boolean {
    return this.#oversize;
  }

  /** Size counted so far (keeps counting past the limit, for the log line). */
  get size(): number {
    return this.#bytes;
  }

  addHeader(name: string, value: string): void {
    this.headerNames.push(name);
    this.#add(Buffer.from(`${name}: ${value.replace(/\r?\n/g, '\r\n')}\r\n`, 'latin1'));
  }

  addBody(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (!this.#bodyStarted) this.endHeaders();
    this.#add(chunk);
  }

  /** The empty line between header and body; implied by the first body chunk when EOH was not sent. */
  endHeaders(): void {
    if (this.#bodyStarted) return;
    this.#bodyStarted = true;
    this.#add(CRLF);
  }

  bytes(): Buffer {
    this.endHeaders();
    return Buffer.concat(this.#parts, Math.min(this.#bytes, this.maxBytes));
  }

  #add(b: Buffer): void {
    this.#bytes += b.length;
    if (this.#oversize) return;
    if (this.#bytes > this.maxBytes) {
      this.#oversize = true;
      this.#parts = [];
      return;
    }
    this.#parts.push(b);
  }
}
