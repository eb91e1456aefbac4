// The greylist whitelists: postgrey-style files mixing IPs/CIDRs, domains, addresses and /regex/ lines, kept current on disk.

import { resolve } from 'node:path';
import type { Logger } from '../../core/context.ts';
import { ipv4ToNumber, ipv6ToHex } from '../../maps/ip-set.ts';
import { MapParseError, parseMapText, type MapEntry } from '../../maps/map-file.ts';
import { buildMatcher, parseMap, type MapMatcher } from '../../maps/matchers.ts';
import { WatchedFile } from '../../maps/watched-file.ts';
import type { GreylistConfig } from './config.ts';

/** Client list: addresses and networks for the client IP, domains and regexes for its verified host name. */
export interface ClientList {
  ips: MapMatcher;
  hosts: MapMatcher;
  hostRegexes: MapMatcher;
}

/** Address list: full addresses and `@domain`, bare `local@` parts (any domain), domains with subdomains, regexes. */
export interface AddressList {
  emails: MapMatcher;
  locals: Map<string, MapEntry>;
  domains: MapMatcher;
  regexes: MapMatcher;
}

function isIpOrCidr(key: string): boolean {
  const slash = key.indexOf('/');
  const addr = slash >= 0 ? key.slice(0, slash) : key;
  return ipv4ToNumber(addr) !== undefined || ipv6ToHex(addr) !== undefined;
}

export function parseClientList(text: string): ClientList {
  const ips: MapEntry[] = [];
  const hosts: MapEntry[] = [];
  const regexes: MapEntry[] = [];
  for (const e of parseMapText(text, { regexKeys: true })) {
    if (e.key.startsWith('/')) regexes.push(e);
    else if (isIpOrCidr(e.key)) ips.push(e);
    else hosts.push(e);
  }
  return { ips: buildMatcher('ip', ips), hosts: buildMatcher('domain', hosts), hostRegexes: buildMatcher('regex', regexes) };
}

export function parseAddressList(text: string): AddressList {
  const emails: MapEntry[] = [];
  const locals = new Map<string, MapEntry>();
  const domains: MapEntry[] = [];
  const regexes: MapEntry[] = [];
  for (const e of parseMapText(text, { regexKeys: true })) {
    if (e.key.startsWith('/')) regexes.push(e);
    else if (e.key.endsWith('@')) {
      if (e.key.length === 1 || e.key.indexOf('@') !== e.key.length - 1) throw new MapParseError(`'${e.key}' is not a local part followed by @`, e.line);
      locals.set(e.key.slice(0, -1).toLowerCase(), e);
    } else if (e.key.includes('@')) emails.push(e);
    else domains.push(e);
  }
  return { emails: buildMatcher('email', emails), locals, domains: buildMatcher('domain', domains), regexes: buildMatcher('regex', regexes) };
}

/** The entry that whitelists this client, by IP first, then by host name; undefined when none does. */
export function matchClient(list: ClientList, ip: string, hostname: string | undefined): string | undefined {
  const byIp = list.ips.match(ip)[0];
  if (byIp) return byIp.key;
  // Postfix says `unknown` when the name did not verify; a forged PTR must not whitelist.
  if (hostname === undefined || hostname === '' || hostname === 'unknown') return undefined;
  return (list.hosts.match(hostname)[0] ?? list.hostRegexes.match(hostname.toLowerCase())[0])?.key;
}

export function matchAddress(list: AddressList, address: string): string | undefined {
  if (address === '') return undefined;
  const lower = address.toLowerCase();
  const at = lower.lastIndexOf('@');
  const byEmail = list.emails.match(lower)[0];
  if (byEmail) return byEmail.key;
  if (at > 0) {
    const local = list.locals.get(lower.slice(0, at));
    if (local) return local.key;
    const byDomain = list.domains.match(lower.slice(at + 1))[0];
    if (byDomain) return byDomain.key;
  }
  return list.regexes.match(lower)[0]?.key;
}

export interface GreylistLists {
  clients: WatchedFile<ClientList>[];
  senders: WatchedFile<AddressList>[];
  recipients: WatchedFile<AddressList>[];
  spfPoolFiles: WatchedFile<MapMatcher>[];
  /** `spf_pool_domains` from the config. */
  spfPoolExtra: MapMatcher;
}

/** Opens every list file (paths relative to the config file); closes what it opened when one fails. */
export async function openLists(config: GreylistConfig, configDir: string, log: Logger): Promise<GreylistLists> {
  const opened: WatchedFile<unknown>[] = [];
  const open = async <T>(what: string, path: string, parse: (text: string) => T): Promise<WatchedFile<T>> => {
    try {
      const f = await WatchedFile.open(resolve(configDir, path), parse, { log, pollMs: config.poll_interval_ms, debounceMs: config.debounce_ms });
      opened.push(f);
      return f;
    } catch (err) {
      throw new Error(`greylist ${what}: ${(err as Error).message}`, { cause: err });
    }
  };
  try {
    // One file at a time: a failure must not leave a sibling opening after the cleanup below ran.
    const clients: WatchedFile<ClientList>[] = [];
    for (const p of config.whitelist_clients) clients.push(await open('whitelist_clients', p, parseClientList));
    const senders: WatchedFile<AddressList>[] = [];
    for (const p of config.whitelist_senders) senders.push(await open('whitelist_senders', p, parseAddressList));
    const recipients: WatchedFile<AddressList>[] = [];
    for (const p of config.whitelist_recipients) recipients.push(await open('whitelist_recipients', p, parseAddressList));
    const spfPoolFiles: WatchedFile<MapMatcher>[] = [];
    if (config.spf_pools) for (const p of config.spf_pool_files) spfPoolFiles.push(await open('spf_pool_files', p, (t) => parseMap('domain', t)));
    const spfPoolExtra = parseMap('domain', config.spf_pool_domains.join('\n'));
    return { clients, senders, recipients, spfPoolFiles, spfPoolExtra };
  } catch (err) {
    for (const f of opened) f.close();
    throw err;
  }
}

export function closeLists(lists: GreylistLists): void {
  for (const f of [...lists.clients, ...lists.senders, ...lists.recipients, ...lists.spfPoolFiles]) f.close();
}

/** The SPF-pool entry covering `domain` (or a parent), or undefined. */
export function matchSpfPool(lists: GreylistLists, domain: string): string | undefined {
  for (const f of lists.spfPoolFiles) {
    const hit = f.current.match(domain)[0];
    if (hit) return hit.key;
  }
  return lists.spfPoolExtra.match(domain)[0]?.key;
}
