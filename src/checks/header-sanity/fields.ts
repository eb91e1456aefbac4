// Small predicates over header field values: address and domain syntax, Message-ID right-hand sides, undisclosed recipients (RFC 5322 §3.4, §3.6.4).

import type { Address } from '../../mime/model.ts';

/** A domain longer than this is not a DNS name (RFC 1035 §2.3.4). */
const MAX_DOMAIN_CHARS = 253;
const MAX_LABEL_CHARS = 63;
const LABEL_RE = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?$/u;
const IPV4_RE = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** A host name with at least two labels, letters/digits/hyphens (IDN letters allowed). */
export function isPlausibleDomain(domain: string): boolean {
  if (domain.length === 0 || domain.length > MAX_DOMAIN_CHARS) return false;
  const labels = domain.replace(/\.$/, '').split('.');
  if (labels.length < 2) return false;
  return labels.every((l) => l.length <= MAX_LABEL_CHARS && LABEL_RE.test(l));
}

/** An address-literal `[192.0.2.1]` or `[IPv6:...]` (RFC 5321 §4.1.3). */
export function isAddressLiteral(domain: string): boolean {
  return domain.startsWith('[') && domain.endsWith(']');
}

/** True when `a` has a non-empty local part and a plausible domain or an address literal. */
export function isValidMailbox(a: Address): boolean {
  const at = a.address.lastIndexOf('@');
  if (at <= 0 || /\s/.test(a.address)) return false;
  const domain = a.address.slice(at + 1);
  return isAddressLiteral(domain) || isPlausibleDomain(domain);
}

/** Right-hand side of a Message-ID is an IP address, bracketed or bare. */
export function isIpRhs(rhs: string): boolean {
  return isAddressLiteral(rhs) || IPV4_RE.test(rhs);
}

const UNDISCLOSED_RE = /undisclosed[ ._-]?recipients?|unlisted[ ._-]?recipients?|recipient list (?:not|suppressed)/i;
/** A group with no members: `display-name:;` (RFC 5322 §3.4). */
const EMPTY_GROUP_RE = /:\s*;/;

/** The To field hides its recipients: an empty group or an "undisclosed recipients" placeholder. */
export function isUndisclosed(rawTo: string, parsed: readonly Address[]): boolean {
  if (UNDISCLOSED_RE.test(rawTo)) return true;
  return parsed.every((a) => a.address === '') && EMPTY_GROUP_RE.test(rawTo);
}

/** Public suffixes of the "co.uk" shape: a short second-level label under a two-letter ccTLD. */
function organisationalLabels(labels: string[]): number {
  const n = labels.length;
  if (n >= 3 && labels[n - 1].length === 2 && labels[n - 2].length <= 3) return 3;
  return 2;
}

/**
 * Approximates the organisational domain (RFC 7489 §3.2) without a public-suffix list: the last two
 * labels, or three under `co.uk`-style suffixes. Good enough to ignore sub-domain differences.
 */
export function organisationalDomain(domain: string): string {
  const labels = domain.toLowerCase().replace(/\.$/, '').split('.');
  return labels.slice(-organisationalLabels(labels)).join('.');
}
