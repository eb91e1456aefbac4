// Config field schemas shared by the main schema and the blocks it imports (sizes, listen addresses, networks, a listener's base keys).

import { z } from 'zod';
import { IpSet } from '../maps/ip-set.ts';
import { parseListenAddress } from '../net/listen-address.ts';

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** A byte size: a number, or a string like `50M`, `512k`. */
export const byteSize = z.union([
  z.number().int().nonnegative(),
  z
    .string()
    .regex(/^\s*\d+\s*[kmg]?b?\s*$/i, 'expected a size like 10485760, 512k, 50M or 1G')
    .transform((s) => {
      const m = /^\s*(\d+)\s*([kmg]?)b?\s*$/i.exec(s)!;
      return Number(m[1]) * SIZE_UNITS[m[2].toLowerCase()];
    }),
], { error: 'expected a size like 10485760, 512k, 50M or 1G' });

/** `host:port`, `[v6]:port`, or a unix socket path starting with `/`. */
export const listenAddress = z.string().refine((s) => {
  try {
    parseListenAddress(s);
    return true;
  } catch {
    return false;
  }
}, 'expected HOST:PORT (port 0-65535), [IPv6]:PORT or /path/to.sock');

export function listenerSchema(defaultListen: string) {
  return z.strictObject({
    enabled: z.boolean().default(true),
    listen: z.array(listenAddress).min(1).default([defaultListen]),
  });
}

/** An IP address or CIDR network (`192.0.2.0/24`, `2001:db8::/32`), as `IpSet` takes it. */
export const cidr = z.string().refine((s) => {
  try {
    new IpSet().add(s, undefined);
    return true;
  } catch {
    return false;
  }
}, 'expected an IP address or CIDR network like 192.0.2.0/24 or 2001:db8::/32');
