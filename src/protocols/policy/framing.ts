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
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(LF, start);
      if (nl < 0) {
        this.#partialBytes += chunk.length - start;
        if (this.#partialBytes >= MAX_LINE_BYTES) return this.#fail('line too long', out);
        this.#partial.push(chunk.subarray(start));
        break;
      }
      if (this.#partialBytes + nl + 1 - start > MAX_LINE_BYTES) return this.#fail('line too long', out);
      let line: Buffer = chunk.subarray(start, nl);
      if (this.#partial.length > 0) {
        line = Buffer.concat([...this.#partial, line]);
        this.#partial = [];
        this.#partialBytes = 0;
      }
      start = nl + 1;
      if (!this.#line(line, out)) return out;
    }
    return out;
  }

  #line(raw: Buffer, out: PolicyAttributes[]): boolean {
    // Postfix writes LF only; a CR from a hand-typed telnet/socat session is tolerated.
    const text = raw.toString('utf8');
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
