// Turns an IP address into the name its PTR record lives at (RFC 1035 §3.5 in-addr.arpa, RFC 3596 §2.5 ip6.arpa).

import { isIP } from 'node:net';

const IPV6_GROUPS = 8;
const HEX_DIGITS_PER_GROUP = 4;
/** `::ffff:a.b.c.d` (RFC 4291 §2.5.5.2): mail servers log IPv4 peers this way on dual-stack sockets. */
const IPV4_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** The reverse-lookup name for `ip`, or undefined when `ip` is not an IP address. */
export function reverseName(ip: string): string | undefined {
  const mapped = IPV4_MAPPED.exec(ip);
  if (mapped && isIP(mapped[1]) === 4) return reverseName(mapped[1]);
  const family = isIP(ip);
  if (family === 4) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  if (family === 6) return `${expandIpv6(ip).split('').reverse().join('.')}.ip6.arpa`;
  return undefined;
}

/** The 32 hex digits of a valid IPv6 address, without colons (zone index dropped). */
export function expandIpv6(ip: string): string {
  let addr = ip.replace(/%.*$/, '').toLowerCase();
  // An embedded dotted quad is the last two groups.
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(addr);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number);
    addr = `${addr.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = addr.includes('::') ? addr.split('::') : [addr, undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : new Array<string>(IPV6_GROUPS - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].map((g) => g.padStart(HEX_DIGITS_PER_GROUP, '0')).join('');
}
