// Greylisting keys: the client network (address masked to a prefix), the normalised sender and the recipient, as postgrey forms them.

import { ipv4ToNumber, ipv6ToHex } from '../../maps/ip-set.ts';

/** postgrey's defaults (`--ipv4cidr`, `--ipv6cidr`): one mail farm behind a /24 or a /64 retries from a sibling address. */
export const DEFAULT_IPV4_PREFIX = 24;
export const DEFAULT_IPV6_PREFIX = 64;

/** Auto-whitelist counters live in the greylist store beside the triplets; a client network never starts with this. */
export const AWL_KEY_PREFIX = 'awl:';

export interface NetPrefixes {
  ipv4: number;
  ipv6: number;
}

const V4_MAPPED_HEX_PREFIX = '00000000000000000000ffff';

function v4Text(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** RFC 5952 text of 32 hex digits: lower case, no leading zeros, the longest run (≥ 2) of zero groups as `::`. */
function v6Text(hex: string): string {
  const groups: string[] = [];
  for (let i = 0; i < 32; i += 4) groups.push(parseInt(hex.slice(i, i + 4), 16).toString(16));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) (bestStart = i), (bestLen = j - i);
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLen).join(':')}`;
}

function maskHex(hex: string, prefix: number): string {
  let out = '';
  for (let i = 0; i < 32; i++) {
    const bits = Math.max(0, Math.min(4, prefix - i * 4));
    out += (parseInt(hex[i], 16) & ((0xf << (4 - bits)) & 0xf)).toString(16);
  }
  return out;
}

/**
 * The client's network as text: `192.0.2.0` for 192.0.2.77 with a /24, `2001:db8:1:2::` with a /64. IPv4-mapped
 * IPv6 clients count as IPv4. Undefined when `ip` is not an address.
 */
export function clientNet(ip: string, prefixes: NetPrefixes): string | undefined {
  const v4 = ipv4ToNumber(ip);
  if (v4 !== undefined) return v4Text(maskV4(v4, prefixes.ipv4));
  const hex = ipv6ToHex(ip);
  if (hex === undefined) return undefined;
  if (hex.startsWith(V4_MAPPED_HEX_PREFIX)) return v4Text(maskV4(parseInt(hex.slice(24), 16), prefixes.ipv4));
  return v6Text(maskHex(hex, prefixes.ipv6));
}

function maskV4(n: number, prefix: number): number {
  if (prefix === 0) return 0;
  return (n & (~0 << (32 - prefix))) >>> 0;
}

/** BATV (`prvs=tag=user`), Microsoft's `msprvs1=tag=user` and Barracuda's `btv1==tag==user` carry a per-message tag before the user. */
const BATV = /^(?:prvs|msprvs\d*|btv\d+)=+[0-9a-z_.-]+=+(.+)$/;
/** SRS0=hash=tt=domain=local and SRS1=hash=forwarder==hash=tt=domain=local: hash and timestamp change daily. */
const SRS0 = /^srs0[=+-][^=]+=[^=]+=([^=]+)=(.+)$/;
const SRS1 = /^srs1[=+-][^=]+=([^=]+)==[^=]+=[^=]+=([^=]+)=(.+)$/;

/**
 * The sender as greylisting sees it: lower case, with the parts that change per message removed so a mailing
 * list or a bounce-tagging MTA does not start a new triplet with every message (postgrey's sender normalisation):
 * BATV/SRS tags, `+extension`, a VERP-encoded recipient (`list-bounces-user=example.org@list`) and numbers.
 * The null sender stays ''.
 */
export function normalizeSender(sender: string): string {
  const addr = sender.trim().toLowerCase();
  const at = addr.lastIndexOf('@');
  if (at <= 0) return addr;
  let local = addr.slice(0, at);
  const domain = addr.slice(at + 1);
  const batv = BATV.exec(local);
  if (batv) local = batv[1];
  const srs1 = SRS1.exec(local);
  const srs0 = srs1 ? undefined : SRS0.exec(local);
  if (srs1) local = `srs1=${srs1[1]}==${srs1[2]}=${srs1[3]}`;
  else if (srs0) local = `srs0=${srs0[1]}=${srs0[2]}`;
  else {
    const plus = local.indexOf('+');
    if (plus > 0) local = local.slice(0, plus);
    const eq = local.lastIndexOf('=');
    if (eq > 0) {
      // VERP: `<list>-<local>=<domain>` carries the subscriber after the last hyphen before the '='.
      const dash = local.lastIndexOf('-', eq);
      if (dash > 0) local = local.slice(0, dash);
    }
  }
  local = local.replace(/\b\d+\b/g, '#');
  return `${local}@${domain}`;
}

/** Recipients are compared without case; the local part is not otherwise touched (it names a mailbox here). */
export function normalizeRecipient(rcpt: string): string {
  return rcpt.trim().toLowerCase();
}

/** `net/sender/recipient`, lower case, as postgrey's `client_net/sender/recipient`. */
export function tripletKey(net: string, sender: string, rcpt: string): string {
  return `${net}/${sender}/${rcpt}`;
}

export function awlKey(net: string): string {
  return `${AWL_KEY_PREFIX}${net}`;
}
