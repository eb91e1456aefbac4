// Canonical text form of a client IP address as MTAs and clients send it (brackets, `IPv6:` prefix, IPv4-mapped IPv6).

import { isIP } from 'node:net';

/** Accepts `1.2.3.4`, `[1.2.3.4]`, `IPv6:…` and IPv4-mapped IPv6; returns the canonical text or undefined when invalid. */
export function normalizeIp(raw: string): string | undefined {
  let ip = raw.trim();
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  if (/^ipv6:/i.test(ip)) ip = ip.slice(5);
  const family = isIP(ip);
  if (family === 0) return undefined;
  if (family === 6) {
    // Checks (DNSBLs, greylisting keys) must see one spelling per address; `::ffff:a.b.c.d` is an IPv4 peer.
    const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
    if (mapped && isIP(mapped[1]) === 4) return mapped[1];
    return ip.toLowerCase();
  }
  return ip;
}
