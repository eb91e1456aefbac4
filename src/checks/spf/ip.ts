// IP address handling for SPF (RFC 7208 §5.6, §7.3): parsing to bytes, CIDR matching and the `%{i}`/`%{c}` macro forms.

import { isIPv4, isIPv6 } from 'node:net';

export interface IpAddr {
  family: 4 | 6;
  /** 4 or 16 bytes, network order. */
  bytes: Uint8Array;
}

const IPV4_BYTES = 4;
const IPV6_BYTES = 16;
const IPV6_GROUPS = 8;
const BITS_PER_BYTE = 8;
/** The ::ffff:0:0/96 prefix of IPv4-mapped IPv6 addresses (RFC 4291 §2.5.5.2). */
const V4_MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

function parseV4(s: string): Uint8Array | undefined {
  if (!isIPv4(s)) return undefined;
  return Uint8Array.from(s.split('.').map(Number));
}

function parseV6(s: string): Uint8Array | undefined {
  if (!isIPv6(s) || s.includes('%')) return undefined;
  let text = s;
  // An embedded dotted IPv4 tail becomes its two hex groups, so one parser handles every form.
  const dotted = /:(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = parseV4(dotted[1]);
    if (!v4) return undefined;
    text = `${text.slice(0, dotted.index)}:${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const halves = text.split('::');
  const groups = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  let words = groups(halves[0]);
  if (halves.length === 2) {
    const rest = groups(halves[1]);
    words = [...words, ...new Array<number>(IPV6_GROUPS - words.length - rest.length).fill(0), ...rest];
  }
  if (words.length !== IPV6_GROUPS) return undefined;
  const bytes = new Uint8Array(IPV6_BYTES);
  words.forEach((w, i) => {
    bytes[2 * i] = w >> 8;
    bytes[2 * i + 1] = w & 0xff;
  });
  return bytes;
}

/** Parses an address; an IPv4-mapped IPv6 address becomes the IPv4 address it carries, as SPF evaluators treat it. */
export function parseIp(s: string): IpAddr | undefined {
  const v4 = parseV4(s);
  if (v4) return { family: 4, bytes: v4 };
  const v6 = parseV6(s);
  if (!v6) return undefined;
  if (V4_MAPPED_PREFIX.every((b, i) => v6[i] === b)) return { family: 4, bytes: v6.slice(V4_MAPPED_PREFIX.length) };
  return { family: 6, bytes: v6 };
}

/** Parses an address as written in an `ip6:` mechanism: IPv4-mapped forms stay IPv6 there. */
export function parseIp6Network(s: string): Uint8Array | undefined {
  return parseV6(s);
}

export function parseIp4Network(s: string): Uint8Array | undefined {
  return parseV4(s);
}

/** True when the first `prefixBits` bits of `a` and `b` agree (both of one family). */
export function inPrefix(a: Uint8Array, b: Uint8Array, prefixBits: number): boolean {
  if (a.length !== b.length) return false;
  const full = Math.floor(prefixBits / BITS_PER_BYTE);
  for (let i = 0; i < full; i++) if (a[i] !== b[i]) return false;
  const rest = prefixBits % BITS_PER_BYTE;
  if (rest === 0) return true;
  const mask = (0xff << (BITS_PER_BYTE - rest)) & 0xff;
  return (a[full] & mask) === (b[full] & mask);
}

export function sameIp(a: IpAddr, b: IpAddr): boolean {
  return a.family === b.family && inPrefix(a.bytes, b.bytes, a.bytes.length * BITS_PER_BYTE);
}

/** `%{i}`: dotted decimal for IPv4, 32 dot-separated nibbles for IPv6 (RFC 7208 §7.3). */
export function dottedForm(ip: IpAddr): string {
  if (ip.family === 4) return Array.from(ip.bytes).join('.');
  return Array.from(ip.bytes, (b) => `${(b >> 4).toString(16)}.${(b & 0xf).toString(16)}`).join('.');
}

/** `%{c}`: the readable form, IPv6 compressed and lower-case (RFC 5952). */
export function readableForm(ip: IpAddr): string {
  if (ip.family === 4) return Array.from(ip.bytes).join('.');
  const words = Array.from({ length: IPV6_GROUPS }, (_, i) => (ip.bytes[2 * i] << 8) | ip.bytes[2 * i + 1]);
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < IPV6_GROUPS; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < IPV6_GROUPS && words[j] === 0) j++;
    if (j - i > bestLen) [bestAt, bestLen] = [i, j - i];
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}

export const IP_BITS = { 4: IPV4_BYTES * BITS_PER_BYTE, 6: IPV6_BYTES * BITS_PER_BYTE } as const;
