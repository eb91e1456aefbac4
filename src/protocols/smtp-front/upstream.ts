// The connection to the real MTA: connect, announce the client with a PROXY header, and read its SMTP replies (RFC 5321 §4.2).

import { connect, type Socket } from 'node:net';
import type { ListenTarget } from '../../net/listen-address.ts';

/** The MTA is local; a connect slower than this means it is down. */
export const UPSTREAM_CONNECT_TIMEOUT_MS = 10_000;
/** Longest wait for one upstream reply while replaying a session (Postfix answers in milliseconds unless it is stuck). */
export const UPSTREAM_REPLY_TIMEOUT_MS = 60_000;
/** A reply longer than this is not an SMTP reply (an EHLO list is a few hundred bytes). */
export const MAX_REPLY_BYTES = 64 * 1024;

export interface SmtpReply {
  code: number;
  /** The reply as received, CRLF line ends included: relayed to the client unchanged. */
  raw: string;
}

/** Connects and sends `header` (PROXY protocol) before anything else; rejects on error or timeout. */
export function connectUpstream(target: ListenTarget, header: Buffer, timeoutMs = UPSTREAM_CONNECT_TIMEOUT_MS): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = 'path' in target ? connect({ path: target.path }) : connect({ host: target.host, port: target.port });
    sock.setNoDelay(true);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`upstream did not accept a connection within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.once('connect', () => {
      clearTimeout(timer);
      if (header.length > 0) sock.write(header);
      resolve(sock);
    });
  });
}

const REPLY_LINE = /^(\d{3})([ -]|$)/;

/** Reads whole replies (multi-line `NNN-` … `NNN `) from the upstream socket until detached. */
export class ReplyReader {
  readonly #sock: Socket;
  #buf = '';
  #waiter: { resolve: (r: SmtpReply) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | undefined;
  #failure: Error | undefined;
  readonly #onData = (chunk: Buffer) => {
    this.#buf += chunk.toString('latin1');
    if (this.#buf.length > MAX_REPLY_BYTES) this.#fail(new Error(`upstream reply longer than ${MAX_REPLY_BYTES} bytes`));
    else this.#deliver();
  };
  readonly #onEnd = () => this.#fail(new Error('upstream closed the connection'));
  readonly #onError = (err: Error) => this.#fail(err);

  constructor(sock: Socket) {
    this.#sock = sock;
    sock.on('data', this.#onData);
    sock.on('end', this.#onEnd);
    sock.on('close', this.#onEnd);
    sock.on('error', this.#onError);
  }

  read(timeoutMs = UPSTREAM_REPLY_TIMEOUT_MS): Promise<SmtpReply> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.#fail(new Error(`no upstream reply within ${timeoutMs} ms`)), timeoutMs);
      this.#waiter = { resolve, reject, timer };
      this.#deliver();
    });
  }

  /** Stops reading; returns bytes received after the last reply (none when the MTA keeps to the protocol). */
  detach(): Buffer {
    this.#sock.off('data', this.#onData);
    this.#sock.off('end', this.#onEnd);
    this.#sock.off('close', this.#onEnd);
    this.#sock.off('error', this.#onError);
    const rest = Buffer.from(this.#buf, 'latin1');
    this.#buf = '';
    return rest;
  }

  #deliver(): void {
    if (!this.#waiter) return;
    let start = 0;
    for (;;) {
      const nl = this.#buf.indexOf('\n', start);
      if (nl < 0) return;
      const line = this.#buf.slice(start, nl).replace(/\r$/, '');
      const m = REPLY_LINE.exec(line);
      if (!m) return this.#fail(new Error(`upstream sent a malformed reply line: ${JSON.stringify(line.slice(0, 80))}`));
      start = nl + 1;
      if (m[2] !== '-') {
        const raw = this.#buf.slice(0, start);
        this.#buf = this.#buf.slice(start);
        const w = this.#waiter;
        this.#waiter = undefined;
        clearTimeout(w.timer);
        w.resolve({ code: Number(m[1]), raw });
        return;
      }
    }
  }

  #fail(err: Error): void {
    this.#failure ??= err;
    const w = this.#waiter;
    this.#waiter = undefined;
    if (w) {
      clearTimeout(w.timer);
      w.reject(err);
    }
  }
}
