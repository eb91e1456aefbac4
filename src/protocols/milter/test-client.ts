// A small milter client speaking the MTA's side like Postfix does (OPTNEG, macros before every event, ABORT after each message), for tests and benchmarks.

import { connect, type Socket } from 'node:net';
import type { MilterReply } from './codec.ts';
import { isFinalReply } from './codec.ts';
import { SMFIC, SMFIR } from './constants.ts';
import { framePacket, MilterFramer, type Packet } from './framing.ts';
import { expectsReply, type MtaOffer, type Negotiated } from './negotiate.ts';

export type MilterTarget = { host: string; port: number } | { path: string };

/** What Postfix 3.7 with milter_protocol = 6 offers (PROTOCOLS.md §1.4). */
export const POSTFIX_OFFER: MtaOffer = { version: 6, actions: 0x1ff, protocol: 0x1fffff };
/** Postfix's body chunk size. */
export const BODY_CHUNK_BYTES = 65_535;

/** A reply as read back; `unexpected` for codes a filter should not send. */
export type ReadReply = MilterReply | { type: 'unexpected'; cmd: string };

export interface EobAnswer {
  /** Modification replies (headers, quarantine) in the order received. */
  modifications: ReadReply[];
  final: ReadReply;
  /** How many SMFIR_PROGRESS came before the final reply. */
  progress: number;
}

export interface Transaction {
  from: string;
  rcpts: string[];
  headers: [string, string][];
  body: string | Buffer;
  /** Extra MAIL-stage macros (`{auth_authen}`...); `i` (queue id) is sent from RCPT on, like Postfix. */
  mailMacros?: Record<string, string>;
  queueId?: string;
  mailArgs?: string[];
}

const cstr = (...s: string[]) => Buffer.concat(s.map((x) => Buffer.from(`${x}\0`, 'utf8')));
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

function decodeReply(p: Packet): ReadReply {
  const text = (b: Buffer) => b.toString('utf8').replace(/\0$/, '');
  const pair = (b: Buffer) => {
    const [name, value] = b.toString('utf8').split('\0');
    return { name, value };
  };
  switch (p.cmd) {
    case SMFIR.CONTINUE:
      return { type: 'continue' };
    case SMFIR.ACCEPT:
      return { type: 'accept' };
    case SMFIR.REJECT:
      return { type: 'reject' };
    case SMFIR.TEMPFAIL:
      return { type: 'tempfail' };
    case SMFIR.DISCARD:
      return { type: 'discard' };
    case SMFIR.SKIP:
      return { type: 'skip' };
    case SMFIR.PROGRESS:
      return { type: 'progress' };
    case SMFIR.REPLYCODE:
      return { type: 'replycode', text: text(p.payload) };
    case SMFIR.QUARANTINE:
      return { type: 'quarantine', reason: text(p.payload) };
    case SMFIR.ADDHEADER:
      return { type: 'addheader', ...pair(p.payload) };
    case SMFIR.INSHEADER:
      return { type: 'insheader', index: p.payload.readUInt32BE(0), ...pair(p.payload.subarray(4)) };
    case SMFIR.CHGHEADER:
      return { type: 'chgheader', index: p.payload.readUInt32BE(0), ...pair(p.payload.subarray(4)) };
    case SMFIR.OPTNEG:
      return { type: 'optneg', version: p.payload.readUInt32BE(0), actions: p.payload.readUInt32BE(4), protocol: p.payload.readUInt32BE(8) };
    default:
      return { type: 'unexpected', cmd: String.fromCharCode(p.cmd) };
  }
}

/** Splits a raw message into milter HEADER pairs (folds as bare LF, no leading space) and the CRLF body. */
export function splitMessage(raw: string | Buffer): { headers: [string, string][]; body: Buffer } {
  const buf = typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw;
  const text = buf.toString('latin1');
  const m = /\r?\n\r?\n/.exec(text);
  const head = m ? text.slice(0, m.index) : text;
  const body = m ? text.slice(m.index + m[0].length) : '';
  const headers: [string, string][] = [];
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && headers.length > 0) headers[headers.length - 1][1] += `\n${line}`;
    else {
      const colon = line.indexOf(':');
      if (colon > 0) headers.push([line.slice(0, colon), line.slice(colon + 1).replace(/^ /, '')]);
    }
  }
  return { headers, body: Buffer.from(body.replace(/\r?\n/g, '\r\n'), 'latin1') };
}

export class MilterClient {
  readonly socket: Socket;
  negotiated: Negotiated | undefined;
  readonly closed: Promise<void>;
  #framer = new MilterFramer();
  #replies: ReadReply[] = [];
  #waiting: ((r: ReadReply | 'closed') => void)[] = [];
  #isClosed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      for (const p of this.#framer.feed(chunk)) {
        const r = decodeReply(p);
        const w = this.#waiting.shift();
        if (w) w(r);
        else this.#replies.push(r);
      }
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.#isClosed = true;
        for (const w of this.#waiting.splice(0)) w('closed');
        resolve();
      }),
    );
  }

  static open(target: MilterTarget): Promise<MilterClient> {
    return new Promise((resolve, reject) => {
      const s = 'path' in target ? connect(target.path) : connect(target.port, target.host);
      s.once('error', reject);
      s.once('connect', () => {
        s.off('error', reject);
        resolve(new MilterClient(s));
      });
    });
  }

  /** Opens, negotiates and sends CONNECT and HELO like Postfix for client `ip` (IPv6 when it has a colon). */
  static async session(target: MilterTarget, ip = '192.0.2.1', helo = 'client.example', hostname = 'client.example'): Promise<MilterClient> {
    const c = await MilterClient.open(target);
    await c.negotiate();
    await c.connect(hostname, ip.includes(':') ? '6' : '4', 25000, ip);
    await c.helo(helo);
    return c;
  }

  /** Raw bytes, for framing tests. */
  write(data: Buffer): void {
    this.socket.write(data);
  }

  send(cmd: number, payload?: Buffer): void {
    this.socket.write(framePacket(cmd, payload));
  }

  /** The next reply, or `closed`. */
  next(): Promise<ReadReply | 'closed'> {
    const r = this.#replies.shift();
    if (r !== undefined) return Promise.resolve(r);
    if (this.#isClosed) return Promise.resolve('closed');
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  async negotiate(offer: MtaOffer = POSTFIX_OFFER): Promise<Negotiated> {
    this.send(SMFIC.OPTNEG, Buffer.concat([u32(offer.version), u32(offer.actions), u32(offer.protocol)]));
    const r = await this.next();
    if (r === 'closed' || r.type !== 'optneg') throw new Error(`expected an OPTNEG reply, got ${JSON.stringify(r)}`);
    this.negotiated = { version: r.version, actions: r.actions, protocol: r.protocol };
    return this.negotiated;
  }

  macros(stage: string, pairs: Record<string, string>): void {
    this.send(SMFIC.MACRO, Buffer.concat([Buffer.from(stage), ...Object.entries(pairs).map(([k, v]) => cstr(k, v))]));
  }

  /** Sends an event; resolves with the filter's reply when the negotiated protocol says one comes. */
  async event(char: string, payload?: Buffer): Promise<ReadReply | 'closed' | undefined> {
    this.send(char.charCodeAt(0), payload);
    return this.negotiated && expectsReply(this.negotiated, char) ? this.next() : undefined;
  }

  connect(hostname: string, family: '4' | '6' | 'L' | 'U', port: number, address: string) {
    this.macros('C', { j: 'mx.example.net', '{daemon_name}': 'mx.example.net', v: 'Postfix 3.7.11', _: `${hostname} [${address}]` });
    const tail = family === 'U' ? Buffer.alloc(0) : Buffer.concat([Buffer.from([port >> 8, port & 0xff]), cstr(address)]);
    return this.event('C', Buffer.concat([cstr(hostname), Buffer.from(family), tail]));
  }

  helo(name: string) {
    this.macros('H', {});
    return this.event('H', cstr(name));
  }

  /** One whole transaction the way Postfix sends it, ending with the end-of-body answer; then ABORT. */
  async transaction(t: Transaction): Promise<EobAnswer> {
    const id: Record<string, string> = t.queueId ? { i: t.queueId } : {};
    this.macros('M', { '{mail_addr}': t.from, ...t.mailMacros });
    await this.event('M', cstr(`<${t.from}>`, ...(t.mailArgs ?? [])));
    for (const r of t.rcpts) {
      this.macros('R', { ...id, '{rcpt_addr}': r });
      await this.event('R', cstr(`<${r}>`));
    }
    this.macros('T', id);
    await this.event('T');
    for (const [name, value] of t.headers) {
      this.macros('L', id);
      await this.event('L', cstr(name, value));
    }
    this.macros('N', id);
    await this.event('N');
    const body = typeof t.body === 'string' ? Buffer.from(t.body.replace(/\r?\n/g, '\r\n'), 'utf8') : t.body;
    for (let at = 0; at < body.length; at += BODY_CHUNK_BYTES) {
      this.macros('B', id);
      await this.event('B', body.subarray(at, at + BODY_CHUNK_BYTES));
    }
    this.macros('E', id);
    const answer = await this.endOfBody();
    this.abort();
    return answer;
  }

  /** Sends SMFIC_BODYEOB and collects replies up to the final one. */
  async endOfBody(): Promise<EobAnswer> {
    this.send(SMFIC.BODYEOB);
    return this.readAnswer();
  }

  async readAnswer(): Promise<EobAnswer> {
    const modifications: ReadReply[] = [];
    let progress = 0;
    for (;;) {
      const r = await this.next();
      if (r === 'closed') throw new Error('connection closed before the final reply');
      if (r.type === 'progress') progress++;
      else if (r.type !== 'unexpected' && isFinalReply(r)) return { modifications, final: r, progress };
      else modifications.push(r);
    }
  }

  abort(): void {
    this.send(SMFIC.ABORT);
  }

  quit(): void {
    this.send(SMFIC.QUIT);
    this.socket.end();
  }
}
