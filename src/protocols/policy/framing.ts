// Splits a Postfix policy delegation byte stream into requests: `name=value\n` lines ended by an empty line (SMTPD_POLICY_README).

/** Longest line accepted, LF included; Postfix's longest attributes (ccert_subject, sasl_username) stay far below this. */
export const MAX_LINE_BYTES = 8 * 1024;
/** Most attributes in one request; Postfix 3.7 sends about 30. */
export const MAX_ATTRIBUTES = 100;

export type PolicyAttributes = Record<string, string>;

export type FramingError = 'line too long' | 'too many attributes';

const LF = 0x0a;

/**
 * Incremental parser: feed it chunks as they arrive, collect finished requests. After an error it keeps
 * returning that error: the connection is to be closed, there is no resynchronising on a broken stream.
 */
export class PolicyFramer {
  #partial: Buffer[] = [];
  #partialBytes = 0;
  #attrs: PolicyAttributes = Object.create(null) as PolicyAttributes;
  #count = 0;
  #error: FramingError | undefined;

  get error(): FramingError | undefined {
    return this.#error;
  }

  /** True when a request has started (some attribute line seen) but its empty line has not arrived. */
  get midRequest(): boolean {
    return this.#count > 0 || this.#partialBytes > 0;
  }

  feed(chunk: Buffer): PolicyAttributes[] {
    const out: PolicyAttributes[] = [];
    if (this.#error) return out;
    // Line lengths are checked in bytes on the buffer; then the complete lines are decoded with one toString
    // for the whole run, not one per line (a request is about 20 lines: per-line decoding was a tenth of a
    // policy scan's CPU). A LF byte never occurs inside a multi-byte UTF-8 sequence, so the cut is safe.
    let end = 0; // just past the last LF of lines within the limit
    let tooLong = false;
    for (let nl = chunk.indexOf(LF); nl >= 0; nl = chunk.indexOf(LF, end)) {
      if ((end === 0 ? this.#partialBytes : 0) + nl + 1 - end > MAX_LINE_BYTES) {
        tooLong = true;
        break;
      }
      end = nl + 1;
    }
    if (end > 0) {
      const head = chunk.subarray(0, end);
      const text = (this.#partial.length > 0 ? Buffer.concat([...this.#partial, head]) : head).toString('utf8');
      this.#partial = [];
      this.#partialBytes = 0;
      // The text ends with a LF: the last piece of the split is empty and is not a line.
      const lines = text.split('\n');
      for (let i = 0; i < lines.length - 1; i++) if (!this.#line(lines[i], out)) return out;
    }
    if (tooLong) return this.#fail('line too long', out);
    if (end < chunk.length) {
      this.#partialBytes += chunk.length - end;
      if (this.#partialBytes >= MAX_LINE_BYTES) return this.#fail('line too long', out);
      this.#partial.push(chunk.subarray(end));
    }
    return out;
  }

  #line(text: string, out: PolicyAttributes[]): boolean {
    // Postfix writes LF only; a CR from a hand-typed telnet/socat session is tolerated.
    const line = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (line === '') {
      if (this.#count > 0) out.push(this.#attrs);
      this.#attrs = Object.create(null) as PolicyAttributes;
      this.#count = 0;
      return true;
    }
    if (++this.#count > MAX_ATTRIBUTES) {
      this.#fail('too many attributes', out);
      return false;
    }
    const eq = line.indexOf('=');
    // A line without '=' names no attribute; like an unknown attribute it is ignored.
    if (eq <= 0) return true;
    const name = line.slice(0, eq);
    // A repeated name keeps its first value (the protocol allows either).
    if (!(name in this.#attrs)) this.#attrs[name] = line.slice(eq + 1);
    return true;
  }

  #fail(error: FramingError, out: PolicyAttributes[]): PolicyAttributes[] {
    this.#error = error;
    this.#partial = [];
    this.#partialBytes = 0;
    return out;
  }
}
