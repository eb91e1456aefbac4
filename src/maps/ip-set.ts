// A set of IPv4/IPv6 addresses and CIDR networks with longest-prefix lookup (RFC 4632 CIDR, RFC 4291 IPv6 text forms).

import { isIPv6 } from 'node:net';

export interface IpMatch<V> {
  /** The entry as it was added (`192.0.2.0/24`). */
  entry: string;
  value: V;
}

/** `a.b.c.d` → unsigned 32-bit number; undefined when not a dotted-quad address (no leading zeros, each part ≤ 255). */
export function ipv4ToNumber(ip: string): number | undefined {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return undefined; // leading zero: ambiguous (octal in some parsers)
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return undefined;
    } else if (c === 46) {
      if (digits === 0 || ++dots > 3) return undefined;
      n = n * 256 + part;
      part = 0;
      digits = 0;
    } else return undefined;
  }
  if (dots !== 3 || digits === 0) return undefined;
  return n * 256 + part;
}

/**
 * Any RFC 4291 text form (with `::`, embedded IPv4, zone id) → 32 lower-case hex digits; undefined when invalid.
 * Fixed-width hex keeps prefix masking a string slice, which is several times faster than BigInt arithmetic.
 */
export function ipv6ToHex(ip: string): string | undefined {
  const zone = ip.indexOf('%');
  const addr = zone >= 0 ? ip.slice(0, zone) : ip;
  if (addr.length < 2 || !isIPv6(addr)) return undefined;
  let head = addr;
  let tail = '';
  const lastColon = addr.lastIndexOf(':');
  if (addr.includes('.', lastColon)) {
    const v4 = ipv4ToNumber(addr.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = v4.toString(16).padStart(8, '0');
    head = addr.slice(0, lastColon + 1);
    if (!head.endsWith('::')) head = head.slice(0, -1); // drop the colon before the IPv4 part, keep a `::`
  }
  const groupsWanted = tail ? 6 : 8;
  const dbl = head.indexOf('::');
  let groups: string[];
  if (dbl >= 0) {
    const l = head.slice(0, dbl);
    const r = head.slice(dbl + 2);
    const left = l ? l.split(':') : [];
    const right = r ? r.split(':') : [];
    const fill = groupsWanted - left.length - right.length;
    if (fill < 1) return undefined;
    groups = [...left, ...new Array<string>(fill).fill('0'), ...right];
  } else {
    groups = head ? head.split(':') : [];
  }
  if (groups.length !== groupsWanted) return undefined;
  let out = '';
  for (const g of groups) out += g.toLowerCase().padStart(4, '0');
  return out + tail;
}

const V4_MAPPED_HEX_PREFIX = '00000000000000000000ffff';

type Parsed = { v: 4; n: number } | { v: 6; hex: string };

/** Parses an address, folding IPv4-mapped IPv6 (`::ffff:192.0.2.1`) into IPv4 so both spellings match alike. */
function parseIp(ip: string): Parsed | undefined {
  const v4 = ipv4ToNumber(ip);
  if (v4 !== undefined) return { v: 4, n: v4 };
  const hex = ipv6ToHex(ip);
  if (hex === undefined) return undefined;
  if (hex.startsWith(V4_MAPPED_HEX_PREFIX)) return { v: 4, n: parseInt(hex.slice(24), 16) };
  return { v: 6, hex };
}

/** Network part as a signed 32-bit integer: V8 hashes small integers much faster than heap numbers above 2^31. */
function mask4(n: number, prefix: number): number {
  return prefix === 0 ? 0 : n & (~0 << (32 - prefix));
}

/** The first `prefix` bits of a 32-digit hex address, as hex (a partial last digit is masked). */
function mask6(hex: string, prefix: number): string {
  const full = prefix >> 2;
  const rem = prefix & 3;
  if (rem === 0) return hex.slice(0, full);
  const nibble = parseInt(hex[full], 16) & ((0xf << (4 - rem)) & 0xf);
  return hex.slice(0, full) + nibble.toString(16);
}

/**
 * Networks are kept in one hash map per prefix length; a lookup masks the address once per prefix length present
 * (a handful in real lists), longest first, so cost does not grow with the number of entries.
 */
export class IpSet<V = undefined> {
  readonly #v4 = new Map<number, Map<number, IpMatch<V>>>();
  readonly #v6 = new Map<number, Map<string, IpMatch<V>>>();
  #v4Prefixes: number[] = [];
  #v6Prefixes: number[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Adds an address or `addr/prefix`; host bits beyond the prefix are ignored. Throws on malformed input. */
  add(entry: string, value: V): void {
    const slash = entry.indexOf('/');
    const addrText = slash >= 0 ? entry.slice(0, slash) : entry;
    const ip = parseIp(addrText);
    if (!ip) throw new Error(`'${entry}' is not an IP address or CIDR network`);
    const nativeV4 = ipv4ToNumber(addrText) !== undefined;
    const max = ip.v === 4 ? 32 : 128;
    let prefix = max;
    if (slash >= 0) {
      const p = entry.slice(slash + 1);
      if (!/^\d{1,3}$/.test(p)) throw new Error(`'${entry}' has an invalid prefix length`);
      prefix = Number(p);
      // An IPv4-mapped IPv6 network's prefix counts the 96 mapping bits.
      if (ip.v === 4 && !nativeV4) prefix -= 96;
      if (prefix < 0 || prefix > max) throw new Error(`'${entry}' has an invalid prefix length`);
    }
    const match: IpMatch<V> = { entry, value };
    if (ip.v === 4) {
      let bucket = this.#v4.get(prefix);
      if (!bucket) {
        this.#v4.set(prefix, (bucket = new Map()));
        this.#v4Prefixes = [...this.#v4.keys()].sort((a, b) => b - a);
      }
      const key = mask4(ip.n, prefix);
      if (!bucket.has(key)) this.#size++;
      bucket.set(key, match);
    } else {
      let bucket = this.#v6.get(prefix);
      if (!bucket) {
        this.#v6.set(prefix, (bucket = new Map()));
        this.#v6Prefixes = [...this.#v6.keys()].sort((a, b) => b - a);
      }
      const key = mask6(ip.hex, prefix);
      if (!bucket.has(key)) this.#size++;
      bucket.set(key, match);
    }
  }

  /** The most specific entry containing `ip`, or undefined (also for text that is not an address). */
  lookup(ip: string): IpMatch<V> | undefined {
    const p = parseIp(ip);
    if (!p) return undefined;
    if (p.v === 4) {
      for (const prefix of this.#v4Prefixes) {
        const hit = this.#v4.get(prefix)!.get(mask4(p.n, prefix));
        if (hit) return hit;
      }
    } else {
      for (const prefix of this.#v6Prefixes) {
        const hit = this.#v6.get(prefix)!.get(mask6(p.hex, prefix));
        if (hit) return hit;
      }
    }
    return undefined;
  }
}
