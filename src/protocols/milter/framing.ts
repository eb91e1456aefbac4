// Splits a milter byte stream into packets (`u32 length` + command byte + payload, PROTOCOLS.md §1.1) and frames outgoing ones.

/** Largest payload accepted from the MTA: libmilter's 1 MiB−1 (SMFIP_MDS_1M) and some slack; Postfix sends ≤ 64 KiB body chunks. */
export const MAX_PAYLOAD_BYTES = 1024 * 1024 + 1024;
/** Bytes of the length prefix. */
export const LENGTH_BYTES = 4;

export interface Packet {
  /** Command byte (SMFIC_*, or SMFIR_* in the other direction). */
  cmd: number;
  payload: Buffer;
}

export type FramingError = 'zero length' | 'packet too large';

/**
 * Incremental parser: feed chunks as they arrive, collect whole packets. A packet split over chunks is kept
 * as a list and joined once complete (no quadratic copying of a 1 MiB packet arriving in 1 KiB pieces).
 * After an error it returns nothing more: there is no resynchronising a length-prefixed stream.
 */
export class MilterFramer {
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** Total length (prefix included) of the packet being collected, once its prefix is known. */
  #need = 0;
  #error: FramingError | undefined;

  get error(): FramingError | undefined {
    return this.#error;
  }

  /** Bytes of an unfinished packet held; non-zero when the stream ends mid-packet (truncated). */
  get pendingBytes(): number {
    return this.#buffered;
  }

  feed(chunk: Buffer): Packet[] {
    const out: Packet[] = [];
    if (this.#error || chunk.length === 0) return out;
    let buf = chunk;
    if (this.#buffered > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      if (this.#need === 0 && this.#buffered >= LENGTH_BYTES) this.#need = this.#lengthOf(Buffer.concat(this.#chunks, LENGTH_BYTES));
      if (this.#error || this.#buffered < Math.max(this.#need, LENGTH_BYTES)) return out;
      buf = Buffer.concat(this.#chunks, this.#buffered);
      this.#chunks = [];
      this.#buffered = 0;
      this.#need = 0;
    }
    let at = 0;
    while (buf.length - at >= LENGTH_BYTES) {
      const total = this.#lengthOf(buf.subarray(at, at + LENGTH_BYTES));
      if (this.#error) return out;
      if (buf.length - at < total) break;
      out.push({ cmd: buf[at + LENGTH_BYTES], payload: buf.subarray(at + LENGTH_BYTES + 1, at + total) });
      at += total;
    }
    if (at < buf.length) {
      const rest = buf.subarray(at);
      this.#chunks = [rest];
      this.#buffered = rest.length;
      this.#need = rest.length >= LENGTH_BYTES ? this.#lengthOf(rest) : 0;
    }
    return out;
  }

  /** Whole packet size (prefix included) from its prefix; sets the error for lengths the protocol forbids. */
  #lengthOf(prefix: Buffer): number {
    const len = prefix.readUInt32BE(0);
    if (len === 0) this.#fail('zero length');
    else if (len - 1 > MAX_PAYLOAD_BYTES) this.#fail('packet too large');
    return LENGTH_BYTES + len;
  }

  #fail(error: FramingError): void {
    this.#error = error;
    this.#chunks = [];
    this.#buffered = 0;
    this.#need = 0;
  }
}

/** One packet on the wire: length (command byte included), command, payload. */
export function framePacket(cmd: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const out = Buffer.allocUnsafe(LENGTH_BYTES + 1 + payload.length);
  out.writeUInt32BE(payload.length + 1, 0);
  out[LENGTH_BYTES] = cmd;
  payload.copy(out, LENGTH_BYTES + 1);
  return out;
}
