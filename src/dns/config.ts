// The `dns:` config block: which servers to ask, how long to wait, and how the answer cache behaves.

import { getServers } from 'node:dns';
import { isIP } from 'node:net';
import { z } from 'zod';

/** Wait for one try before c-ares asks again (its own back-off is capped at this too). */
export const DEFAULT_DNS_TIMEOUT_MS = 2000;
/** Tries per query; the whole query gives up after `timeout_ms × tries`. */
export const DEFAULT_DNS_TRIES = 2;
/** Answers kept in the in-process cache; the oldest-used go first. */
export const DEFAULT_DNS_CACHE_SIZE = 10_000;
/** TXT, MX and PTR answers: node's resolver does not report their TTL, so they live this long. */
export const DEFAULT_DNS_TTL_S = 300;
/** NXDOMAIN/NODATA answers (RFC 2308 negative caching), kept briefly so a fixed record is seen soon. */
export const DEFAULT_DNS_NEGATIVE_TTL_S = 30;
/** No answer is kept longer than this, whatever TTL the zone gives. */
export const DEFAULT_DNS_MAX_TTL_S = 3600;

const MAX_TIMEOUT_MS = 60_000;
const MAX_TRIES = 10;
const MAX_PORT = 65535;

/** Accepts `192.0.2.1`, `192.0.2.1:5353`, `::1`, `[::1]:53` — the forms node's `setServers` takes. */
export function isServerAddress(s: string): boolean {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracketed) return isIP(bracketed[1]) === 6 && validPort(bracketed[2]);
  if (isIP(s) !== 0) return true;
  const withPort = /^([^:]+):(\d+)$/.exec(s);
  return withPort !== null && isIP(withPort[1]) === 4 && validPort(withPort[2]);
}

function validPort(p: string | undefined): boolean {
  if (p === undefined) return true;
  const n = Number(p);
  return Number.isInteger(n) && n >= 1 && n <= MAX_PORT;
}

export const dnsConfigSchema = z
  .object({
    /** Defaults to the system's resolvers (/etc/resolv.conf) as node sees them at start. */
    servers: z
      .array(z.string().refine(isServerAddress, { message: 'expected an IP address, IPv4:port or [IPv6]:port' }))
      .min(1)
      .default(() => getServers()),
    timeout_ms: z.number().int().min(1).max(MAX_TIMEOUT_MS).default(DEFAULT_DNS_TIMEOUT_MS),
    tries: z.number().int().min(1).max(MAX_TRIES).default(DEFAULT_DNS_TRIES),
    /** 0 switches the cache off (in-flight de-duplication stays). */
    cache_size: z.number().int().min(0).default(DEFAULT_DNS_CACHE_SIZE),
    default_ttl_s: z.number().int().min(0).default(DEFAULT_DNS_TTL_S),
    negative_ttl_s: z.number().int().min(0).default(DEFAULT_DNS_NEGATIVE_TTL_S),
    max_ttl_s: z.number().int().min(0).default(DEFAULT_DNS_MAX_TTL_S),
  })
  .strict();

export type DnsConfig = z.infer<typeof dnsConfigSchema>;
