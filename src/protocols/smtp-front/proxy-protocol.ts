// HAProxy PROXY protocol headers (v1 text, v2 binary; haproxy.org/download/2.8/doc/proxy-protocol.txt) announcing the real client to the MTA.

import { isIPv4, isIPv6 } from 'node:net';
import { ipv4ToNumber, ipv6ToHex } from '../../maps/ip-set.ts';

export type ProxyProtocol = 'v1' | 'v2' | 'none';

export interface Endpoint {
  address: string;
  port: number;
}

/** The 12-byte v2 signature: `\r\n\r\n\0\r\nQUIT\n`. */
export const PROXY_V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V2_VERSION_PROXY = 0x21; // version 2, command PROXY
const V2_VERSION_LOCAL = 0x20; // version 2, command LOCAL (no addresses)
const V2_TCP4 = 0x11;
const V2_TCP6 = 0x21;
const V2_ADDR_LEN_TCP4 = 12;
const V2_ADDR_LEN_TCP6 = 36;

/** `::ffff:192.0.2.1` → `192.0.2.1`, so both ends of a dual-stack socket land in one family where possible. */
function unmapped(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1] : address;
}

/** Both ends in one family: IPv4 when both are IPv4, else IPv6 with IPv4 ends mapped (`::ffff:a.b.c.d`); undefined when unusable. */
function sameFamily(src: Endpoint, dst: Endpoint): { family: 4 | 6; src: Endpoint; dst: Endpoint } | undefined {
  const s = unmapped(src.address);
  const d = unmapped(dst.address);
  if (isIPv4(s) && isIPv4(d)) return { family: 4, src: { address: s, port: src.port }, dst: { address: d, port: dst.port } };
  const as6 = (a: string) => (isIPv4(a) ? `::ffff:${a}` : isIPv6(a) ? a.replace(/%.*$/, '') : undefined);
  const s6 = as6(s);
  const d6 = as6(d);
  if (s6 === undefined || d6 === undefined) return undefined;
  return { family: 6, src: { address: s6, port: src.port }, dst: { address: d6, port: dst.port } };
}

/** `PROXY TCP4 <src> <dst> <sport> <dport>\r\n`, or `PROXY UNKNOWN\r\n` when the addresses are unusable. */
export function proxyV1(src: Endpoint, dst: Endpoint): Buffer {
  const p = sameFamily(src, dst);
  if (!p) return Buffer.from('PROXY UNKNOWN\r\n', 'latin1');
  return Buffer.from(`PROXY TCP${p.family} ${p.src.address} ${p.dst.address} ${p.src.port} ${p.dst.port}\r\n`, 'latin1');
}

function v4Bytes(address: string): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(ipv4ToNumber(address)!, 0);
  return b;
}

function v6Bytes(address: string): Buffer {
  return Buffer.from(ipv6ToHex(address)!, 'hex');
}

/** Signature, version/command, family, length, addresses and ports; a LOCAL header when the addresses are unusable. */
export function proxyV2(src: Endpoint, dst: Endpoint): Buffer {
  const p = sameFamily(src, dst);
  if (!p) return Buffer.concat([PROXY_V2_SIGNATURE, Buffer.from([V2_VERSION_LOCAL, 0x00, 0x00, 0x00])]);
  const toBytes = p.family === 4 ? v4Bytes : v6Bytes;
  const ports = Buffer.alloc(4);
  ports.writeUInt16BE(p.src.port, 0);
  ports.writeUInt16BE(p.dst.port, 2);
  const body = Buffer.concat([toBytes(p.src.address), toBytes(p.dst.address), ports]);
  const head = Buffer.alloc(4);
  head[0] = V2_VERSION_PROXY;
  head[1] = p.family === 4 ? V2_TCP4 : V2_TCP6;
  head.writeUInt16BE(p.family === 4 ? V2_ADDR_LEN_TCP4 : V2_ADDR_LEN_TCP6, 2);
  return Buffer.concat([PROXY_V2_SIGNATURE, head, body]);
}

/** The header to send first on an upstream connection, or an empty buffer for `none`. */
export function proxyHeader(kind: ProxyProtocol, src: Endpoint, dst: Endpoint): Buffer {
  if (kind === 'v1') return proxyV1(src, dst);
  if (kind === 'v2') return proxyV2(src, dst);
  return Buffer.alloc(0);
}
