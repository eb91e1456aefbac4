// A minimal policy delegation client (Postfix's side of the wire) for tests and benchmarks: send requests, read `action=` replies in order.

import { connect, type Socket } from 'node:net';

export type PolicyTarget = { host: string; port: number } | { path: string };

/** Encodes attributes as one request: `name=value\n` lines and the closing empty line. */
export function encodeRequest(attrs: Record<string, string>): string {
  let s = '';
  for (const [k, v] of Object.entries(attrs)) s += `${k}=${v}\n`;
  return s + '\n';
}

export class PolicyClient {
  readonly socket: Socket;
  #buffer = '';
  #waiting: ((reply: string) => void)[] = [];
  #replies: string[] = [];
  #closed = false;
  readonly closed: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      let end: number;
      while ((end = this.#buffer.indexOf('\n\n')) >= 0) {
        const block = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        const action = /^action=(.*)$/m.exec(block)?.[1] ?? `(no action line: ${block})`;
        const w = this.#waiting.shift();
        if (w) w(action);
        else this.#replies.push(action);
      }
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.#closed = true;
        for (const w of this.#waiting.splice(0)) w('(connection closed)');
        resolve();
      }),
    );
  }

  static open(target: PolicyTarget): Promise<PolicyClient> {
    return new Promise((resolve, reject) => {
      const s = 'path' in target ? connect(target.path) : connect(target.port, target.host);
      s.once('error', reject);
      s.once('connect', () => {
        s.off('error', reject);
        resolve(new PolicyClient(s));
      });
    });
  }

  /** Writes raw bytes (for framing tests). */
  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  send(attrs: Record<string, string>): void {
    this.socket.write(encodeRequest(attrs));
  }

  /** The next reply's action, or `(connection closed)`. */
  next(): Promise<string> {
    const r = this.#replies.shift();
    if (r !== undefined) return Promise.resolve(r);
    if (this.#closed) return Promise.resolve('(connection closed)');
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  async ask(attrs: Record<string, string>): Promise<string> {
    this.send(attrs);
    return this.next();
  }

  close(): void {
    this.socket.end();
  }
}
