// Decodes MTA commands (SMFIC_*) from packet payloads and encodes filter replies (SMFIR_*) as packets (PROTOCOLS.md §1.2, §1.5).

import { SMFIC, SMFIR } from './constants.ts';
import { framePacket, type Packet } from './framing.ts';

export type ConnectFamily = '4' | '6' | 'L' | 'U';

export type MilterCommand =
  | { type: 'optneg'; version: number; actions: number; protocol: number }
  /** `stage` is the command char the macros belong to (`C`, `H`, `M`, ...). */
  | { type: 'macro'; stage: string; macros: [string, string][] }
  | { type: 'connect'; hostname: string; family: ConnectFamily; port: number; address: string }
  | { type: 'helo'; name: string }
  /** `args[0]` is the address as the client sent it (with angle brackets), then ESMTP parameters. */
  | { type: 'mail'; args: string[] }
  | { type: 'rcpt'; args: string[] }
  | { type: 'data' }
  /** Name and value as raw bytes read as latin1, so the message rebuilt from them is byte-exact. */
  | { type: 'header'; name: string; value: string }
  | { type: 'eoh' }
  | { type: 'body'; chunk: Buffer }
  | { type: 'eob'; chunk: Buffer }
  | { type: 'abort' }
  | { type: 'quit' }
  | { type: 'quit_nc' }
  | { type: 'unknown'; line: string };

export type DecodeResult = { ok: true; command: MilterCommand } | { ok: false; reason: string };

const NUL = 0;
const OPTNEG_BYTES = 12;

/** NUL-terminated strings of a payload; a missing final NUL is an error (undefined). */
function strings(payload: Buffer, encoding: BufferEncoding): string[] | undefined {
  if (payload.length === 0) return [];
  if (payload[payload.length - 1] !== NUL) return undefined;
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < payload.length; i++) {
    if (payload[i] === NUL) {
      out.push(payload.toString(encoding, start, i));
      start = i + 1;
    }
  }
  return out;
}

const bad = (reason: string): DecodeResult => ({ ok: false, reason });
const ok = (command: MilterCommand): DecodeResult => ({ ok: true, command });

function decodeConnect(p: Buffer): DecodeResult {
  const end = p.indexOf(NUL);
  if (end < 0 || end + 1 >= p.length) return bad('CONNECT without hostname terminator or family');
  const hostname = p.toString('utf8', 0, end);
  const family = String.fromCharCode(p[end + 1]);
  if (family === 'U') return ok({ type: 'connect', hostname, family, port: 0, address: '' });
  if (family !== '4' && family !== '6' && family !== 'L') return bad(`CONNECT with unknown address family 0x${p[end + 1].toString(16)}`);
  const rest = p.subarray(end + 2);
  if (rest.length < 3 || rest[rest.length - 1] !== NUL) return bad('CONNECT without port and NUL-terminated address');
  const address = rest.toString('utf8', 2, rest.length - 1);
  if (address.includes('\0')) return bad('CONNECT address has extra fields');
  return ok({ type: 'connect', hostname, family, port: rest.readUInt16BE(0), address });
}

function decodeArgv(type: 'mail' | 'rcpt', p: Buffer): DecodeResult {
  const args = strings(p, 'utf8');
  if (!args || args.length === 0) return bad(`${type.toUpperCase()} without a NUL-terminated address`);
  return ok({ type, args });
}

function decodeMacro(p: Buffer): DecodeResult {
  if (p.length === 0) return bad('MACRO without a stage byte');
  const list = strings(p.subarray(1), 'utf8');
  if (!list) return bad('MACRO list not NUL-terminated');
  // An odd count means a name without a value: libmilter drops the last name; so do we.
  const macros: [string, string][] = [];
  for (let i = 0; i + 1 < list.length; i += 2) macros.push([list[i], list[i + 1]]);
  return ok({ type: 'macro', stage: String.fromCharCode(p[0]), macros });
}

function decodeHeader(p: Buffer): DecodeResult {
  const parts = strings(p, 'latin1');
  if (!parts || parts.length !== 2 || parts[0] === '') return bad('HEADER is not name\\0value\\0');
  return ok({ type: 'header', name: parts[0], value: parts[1] });
}

function decodeOne(p: Buffer, type: 'helo' | 'unknown'): DecodeResult {
  const parts = strings(p, 'utf8');
  if (!parts || parts.length !== 1) return bad(`${type.toUpperCase()} is not one NUL-terminated string`);
  return ok(type === 'helo' ? { type, name: parts[0] } : { type, line: parts[0] });
}

/** Decodes one packet; a malformed payload or an unknown command is a reason to close the connection. */
export function decodeCommand(packet: Packet): DecodeResult {
  const p = packet.payload;
  switch (packet.cmd) {
    case SMFIC.OPTNEG:
      // Postfix and Sendmail send exactly 12 bytes; libmilter ignores anything after them.
      if (p.length < OPTNEG_BYTES) return bad(`OPTNEG payload of ${p.length} bytes, expected ${OPTNEG_BYTES}`);
      return ok({ type: 'optneg', version: p.readUInt32BE(0), actions: p.readUInt32BE(4), protocol: p.readUInt32BE(8) });
    case SMFIC.MACRO:
      return decodeMacro(p);
    case SMFIC.CONNECT:
      return decodeConnect(p);
    case SMFIC.HELO:
      return decodeOne(p, 'helo');
    case SMFIC.MAIL:
      return decodeArgv('mail', p);
    case SMFIC.RCPT:
      return decodeArgv('rcpt', p);
    case SMFIC.DATA:
      return ok({ type: 'data' });
    case SMFIC.HEADER:
      return decodeHeader(p);
    case SMFIC.EOH:
      return ok({ type: 'eoh' });
    case SMFIC.BODY:
      return ok({ type: 'body', chunk: p });
    case SMFIC.BODYEOB:
      return ok({ type: 'eob', chunk: p });
    case SMFIC.ABORT:
      return ok({ type: 'abort' });
    case SMFIC.QUIT:
      return ok({ type: 'quit' });
    case SMFIC.QUIT_NC:
      return ok({ type: 'quit_nc' });
    case SMFIC.UNKNOWN:
      return decodeOne(p, 'unknown');
    default:
      return bad(`unknown command 0x${packet.cmd.toString(16).padStart(2, '0')}`);
  }
}

export type MilterReply =
  | { type: 'continue' | 'accept' | 'reject' | 'tempfail' | 'discard' | 'skip' | 'progress' }
  /** Full SMTP reply text, `NNN x.y.z text`, already validated (see reply.ts). */
  | { type: 'replycode'; text: string }
  | { type: 'quarantine'; reason: string }
  | { type: 'addheader'; name: string; value: string }
  /** `index` 0 inserts at the top. */
  | { type: 'insheader'; index: number; name: string; value: string }
  /** `index` is the 1-based occurrence of `name`; an empty value deletes it. */
  | { type: 'chgheader'; index: number; name: string; value: string }
  | { type: 'optneg'; version: number; actions: number; protocol: number };

const SIMPLE: Record<string, number> = {
  continue: SMFIR.CONTINUE,
  accept: SMFIR.ACCEPT,
  reject: SMFIR.REJECT,
  tempfail: SMFIR.TEMPFAIL,
  discard: SMFIR.DISCARD,
  skip: SMFIR.SKIP,
  progress: SMFIR.PROGRESS,
};

/** NUL-terminated string fields; a NUL inside a value would shift every later field, so it never gets out. */
function cstrings(...fields: string[]): Buffer {
  return Buffer.concat(fields.map((f) => Buffer.from(`${f.replace(/\0/g, '')}\0`, 'utf8')));
}

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

export function encodeReply(r: MilterReply): Buffer {
  switch (r.type) {
    case 'replycode':
      return framePacket(SMFIR.REPLYCODE, cstrings(r.text));
    case 'quarantine':
      return framePacket(SMFIR.QUARANTINE, cstrings(r.reason));
    case 'addheader':
      return framePacket(SMFIR.ADDHEADER, cstrings(r.name, r.value));
    case 'insheader':
      return framePacket(SMFIR.INSHEADER, Buffer.concat([u32(r.index), cstrings(r.name, r.value)]));
    case 'chgheader':
      return framePacket(SMFIR.CHGHEADER, Buffer.concat([u32(r.index), cstrings(r.name, r.value)]));
    case 'optneg':
      return framePacket(SMFIR.OPTNEG, Buffer.concat([u32(r.version), u32(r.actions), u32(r.protocol)]));
    default:
      return framePacket(SIMPLE[r.type]);
  }
}

/** True for the replies that end the MTA's wait for an event (everything but modifications, progress and quarantine). */
export function isFinalReply(r: MilterReply): boolean {
  return r.type === 'continue' || r.type === 'accept' || r.type === 'reject' || r.type === 'tempfail' || r.type === 'discard' || r.type === 'replycode' || r.type === 'skip';
}
