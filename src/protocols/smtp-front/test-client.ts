// A small SMTP client for the front's socket tests and bench: line writes, whole replies, arrival times of every byte.

import { connect, type Socket } from 'node:net';

export interface Reply {
  code: number;
  /** Reply lines without CRLF, prefixes kept (`450-...`). */
  lines: string[];
  text: string;
}

const REPLY_END = /^(\d{3})(?: .*)?$/;

export class FrontClient {
  socket: Socket;
  /** Everything received, as latin1. */
  received = '';
  /** performance.now() of each data event and its size, to measure stutter. */
  readonly arrivals: { t: number; bytes: number }[] = [];
  #consumed = 0;
  #waiters: (() => void)[] = [];
  readonly closed: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    void this.closed.then(() => this.#wake());
  }

  #onData(chunk: Buffer): void {
    this.arrivals.push({ t: performance.now(), bytes: chunk.length });
    this.received += chunk.toString('latin1');
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  static connect(port: number, host = '127.0.0.1', localAddress?: string): Promise<FrontClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ host, port, localAddress });
      s.once('connect', () => resolve(new FrontClient(s)));
      s.once('error', reject);
    });
  }

  /** Takes over a socket that is already connected (e.g. after a TLS upgrade). */
  static wrap(socket: Socket): FrontClient {
    return new FrontClient(socket);
  }

  get isClosed(): boolean {
    return this.socket.destroyed || this.socket.readableEnded;
  }

  /** The next complete reply; rejects when the connection closes first or the timeout passes. */
  async reply(timeoutMs = 10_000): Promise<Reply> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const lines: string[] = [];
      let pos = this.#consumed;
      for (;;) {
        const nl = this.received.indexOf('\n', pos);
        if (nl < 0) break;
        const line = this.received.slice(pos, nl).replace(/\r$/, '');
        lines.push(line);
        pos = nl + 1;
        const m = REPLY_END.exec(line);
        if (m) {
          this.#consumed = pos;
          return { code: Number(m[1]), lines, text: lines.join('\n') };
        }
      }
      if (this.socket.destroyed || this.socket.readableEnded) throw new Error(`connection closed; unread: ${JSON.stringify(this.received.slice(this.#consumed))}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no complete reply within ${timeoutMs} ms; unread: ${JSON.stringify(this.received.slice(this.#consumed))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  send(line: string): void {
    this.socket.write(`${line}\r\n`, 'latin1');
  }

  /** Sends a command and reads its reply. */
  async command(line: string, timeoutMs?: number): Promise<Reply> {
    this.send(line);
    return this.reply(timeoutMs);
  }

  close(): void {
    this.socket.destroy();
  }
}
