// A minimal SMTP client (RFC 5321) with PIPELINING (RFC 2920) for benchmarks and e2e tests: several messages per session, every reply kept.

import { connect, type Socket } from 'node:net';

/** A reply slower than this fails the session: Postfix with a milter answers end-of-data within its own milter timeouts. */
export const SMTP_REPLY_TIMEOUT_MS = 120_000;

export interface SmtpReply {
  code: number;
  /** Every line of the reply without the `NNN-`/`NNN ` prefix. */
  lines: string[];
  /** The reply as the server sent it, lines joined by `\n`. */
  text: string;
}

export interface SmtpTransaction {
  /** True when the server took the message (250 after the final dot). */
  accepted: boolean;
  /** The reply that decided: the final one after DATA, or the first refusal (MAIL, every RCPT, DATA). */
  reply: SmtpReply;
  /** Replies to MAIL, each RCPT and DATA, in order. */
  envelope: SmtpReply[];
}

export interface SmtpSessionOptions {
  host: string;
  port: number;
  helo?: string;
  timeoutMs?: number;
  /**
   * Postfix XCLIENT attributes (`ADDR`, `NAME`, `HELO`...) sent after the first EHLO, so the MTA and its milters see
   * this client instead of the loopback one; needs `smtpd_authorized_xclient_hosts` to list the real client.
   */
  xclient?: Record<string, string>;
}

export interface SmtpMessage {
  from: string;
  to: readonly string[];
  /** The RFC 5322 message; bare LF line ends become CRLF and leading dots are stuffed on the way out. */
  data: Uint8Array;
}

/** CRLF line ends, dot-stuffing and the terminating `.` line (RFC 5321 §4.5.2); byte-transparent through latin1. */
export function encodeData(data: Uint8Array): Buffer {
  let text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1').replace(/\r?\n/g, '\r\n');
  if (!text.endsWith('\r\n')) text += '\r\n';
  return Buffer.from(text.replace(/^\./gm, '..') + '.\r\n', 'latin1');
}

export class SmtpSession {
  private readonly socket: Socket;
  /** The EHLO reply's lines after the greeting line: the extensions offered. */
  private extensions: string[] = [];
  private readonly pending: { resolve: (r: SmtpReply) => void; reject: (e: Error) => void }[] = [];
  private readonly replies: SmtpReply[] = [];
  private buffered = '';
  private lines: string[] = [];
  private failure: Error | undefined;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('the SMTP server closed the connection')));
  }

  /** Connects, reads the 220 greeting and says EHLO; rejects unless both succeed. */
  static async open(o: SmtpSessionOptions): Promise<SmtpSession> {
    const socket = connect({ host: o.host, port: o.port });
    socket.setNoDelay(true);
    const timeoutMs = o.timeoutMs ?? SMTP_REPLY_TIMEOUT_MS;
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no SMTP reply from ${o.host}:${o.port} within ${timeoutMs} ms`)));
    const s = new SmtpSession(socket);
    const greeting = await s.next();
    if (greeting.code !== 220) {
      socket.destroy();
      throw new Error(`SMTP greeting: ${greeting.text}`);
    }
    const helo = o.helo ?? 'bench.winnow-test.invalid';
    let ehlo = await s.command(`EHLO ${helo}`, 250);
    if (o.xclient) {
      // XCLIENT restarts the session: a new 220 greeting, and the client says EHLO again.
      await s.command(`XCLIENT ${Object.entries(o.xclient).map(([k, v]) => `${k}=${v}`).join(' ')}`, 220);
      ehlo = await s.command(`EHLO ${helo}`, 250);
    }
    s.extensions = ehlo.lines.slice(1);
    return s;
  }

  /** Whether the server announced PIPELINING; without it commands go one at a time. */
  get pipelining(): boolean {
    return this.extensions.some((l) => /^PIPELINING\b/i.test(l));
  }

  /** One mail transaction: MAIL, RCPTs and DATA pipelined when offered, then the content. The session stays usable. */
  async send(m: SmtpMessage): Promise<SmtpTransaction> {
    const commands = [`MAIL FROM:<${m.from}>`, ...m.to.map((r) => `RCPT TO:<${r}>`), 'DATA'];
    const envelope: SmtpReply[] = [];
    if (this.pipelining) {
      this.socket.write(commands.map((c) => `${c}\r\n`).join(''));
      for (let i = 0; i < commands.length; i++) envelope.push(await this.next());
    } else {
      for (const c of commands) {
        this.socket.write(`${c}\r\n`);
        const r = await this.next();
        envelope.push(r);
        if (r.code >= 400 && c.startsWith('MAIL')) break;
      }
    }
    const [mail, ...rest] = envelope;
    const data = rest.at(-1);
    if (data?.code !== 354) {
      // With pipelining the server refuses DATA itself once MAIL or every RCPT failed (RFC 2920 §3.1).
      const refusal = envelope.find((r) => r.code >= 400) ?? mail;
      if (data && data.code < 400 && data.code !== 354) throw new Error(`unexpected DATA reply: ${data.text}`);
      return { accepted: false, reply: refusal, envelope };
    }
    this.socket.write(encodeData(m.data));
    const final = await this.next();
    return { accepted: final.code === 250, reply: final, envelope };
  }

  /** Sends one command and expects `code`; anything else closes the session and throws. */
  private async command(line: string, code: number): Promise<SmtpReply> {
    this.socket.write(`${line}\r\n`);
    const r = await this.next();
    if (r.code !== code) {
      this.socket.destroy();
      throw new Error(`${line.split(' ')[0]}: ${r.text}`);
    }
    return r;
  }

  /** RSET: ends a transaction the caller gave up on. */
  async reset(): Promise<SmtpReply> {
    this.socket.write('RSET\r\n');
    return this.next();
  }

  /** QUIT, then waits for the server to close. */
  async quit(): Promise<void> {
    if (this.failure) return;
    this.socket.write('QUIT\r\n');
    try {
      await this.next();
    } catch {
      // The server may close before its 221 is read; either way the session is over.
    }
    this.socket.destroy();
  }

  close(): void {
    this.socket.destroy();
  }

  private next(): Promise<SmtpReply> {
    const ready = this.replies.shift();
    if (ready) return Promise.resolve(ready);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    let nl: number;
    while ((nl = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, nl).replace(/\r$/, '');
      this.buffered = this.buffered.slice(nl + 1);
      this.lines.push(line);
      const m = /^(\d{3})([ -]?)/.exec(line);
      if (!m) {
        this.socket.destroy(new Error(`malformed SMTP reply line: ${JSON.stringify(line)}`));
        return;
      }
      if (m[2] === '-') continue;
      const reply = { code: Number(m[1]), lines: this.lines.map((l) => l.slice(4)), text: this.lines.join('\n') };
      this.lines = [];
      const waiter = this.pending.shift();
      if (waiter) waiter.resolve(reply);
      else this.replies.push(reply);
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.pending.splice(0)) w.reject(this.failure);
  }
}
