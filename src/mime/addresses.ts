// Reads address-list header fields (From, To, Cc, Reply-To, Sender) into Address records (RFC 5322 §3.4), using postal-mime's parser.
import { addressParser } from 'postal-mime';
import type { Address as LibAddress } from 'postal-mime';
import type { Address } from './model.ts';

/** A To/Cc list longer than this is cut: the count of recipients matters to checks, not the 10,001st. */
export const MAX_ADDRESSES_PER_LIST = 1000;

function toAddress(name: string, address: string): Address {
  const addr = address.trim();
  const at = addr.lastIndexOf('@');
  return { name: name.trim(), address: addr, domain: at >= 0 ? addr.slice(at + 1).toLowerCase() : '' };
}

/** Every mailbox in `value`, groups flattened; entries with neither name nor address are dropped. */
export function parseAddressList(value: string): Address[] {
  let parsed: LibAddress[];
  try {
    parsed = addressParser(value);
  } catch {
    return [];
  }
  const out: Address[] = [];
  const push = (name: string, address: string): void => {
    if ((name || address) && out.length < MAX_ADDRESSES_PER_LIST) out.push(toAddress(name ?? '', address ?? ''));
  };
  for (const a of parsed) {
    if ('group' in a && Array.isArray(a.group)) {
      for (const m of a.group) push(m.name, m.address);
    } else {
      push(a.name, a.address ?? '');
    }
  }
  return out;
}
