// The networks a domain's SPF record authorises (RFC 7208 §5): include, redirect, a, mx, ip4, ip6 followed recursively, within loop, lookup and breadth limits — the seed's whitelist.sh.

import type { DnsResolver } from '../../core/context.ts';
import { normalizeDomain } from '../../maps/matchers.ts';
import { targetName } from '../spf/evaluate.ts';
import { parseIp, readableForm } from '../spf/ip.ts';
import { expandMacro, SpfSyntaxError, type MacroToken } from '../spf/macro.ts';
import { parseRecord, selectRecord, type SpfRecord } from '../spf/record.ts';
import { parseCidr, toCidrs, type IpRange } from './list-file.ts';

/**
 * DNS-querying terms followed per domain. RFC 7208's evaluation limit is 10, but some big senders' trees need
 * more when every branch is walked rather than stopped at the first match; this still bounds a hostile tree.
 */
export const MAX_SPF_LOOKUPS = 40;
/** include/redirect nesting depth. */
export const MAX_SPF_DEPTH = 10;
/** MX hosts one `mx` term may name (RFC 7208 §4.6.4). */
export const MAX_SPF_MX_NAMES = 10;
/** Networks one domain may contribute; more means a record that whitelists far too much. */
export const MAX_SPF_NETWORKS = 5000;
/** Wider networks than these are refused: `ip4:0.0.0.0/1` in a record must not whitelist half the Internet. */
export const MIN_IPV4_PREFIX = 8;
export const MIN_IPV6_PREFIX = 16;
/** Macro letters whose value does not depend on the client: `%{d}` and `%{o}` are the domain itself here. */
const DOMAIN_ONLY_MACROS = new Set(['d', 'o']);

export interface SpfNetworks {
  domain: string;
  /** Collapsed CIDRs. */
  networks: string[];
  /** Terms skipped or limits hit, one line each; empty when the whole tree was followed. */
  problems: string[];
  /** True when a DNS failure (not an absent record) left part of the tree unknown: callers keep the previous result. */
  incomplete: boolean;
  lookups: number;
}

class Walk {
  readonly ranges: IpRange[] = [];
  readonly problems: string[] = [];
  incomplete = false;
  lookups = 0;
  readonly #dns: DnsResolver;
  readonly #visited = new Set<string>();
  #capped = false;

  constructor(dns: DnsResolver) {
    this.#dns = dns;
  }

  async domain(name: string, depth: number, via: string): Promise<void> {
    const key = name.toLowerCase();
    if (this.#visited.has(key)) return void this.problems.push(`${via}: ${name} already followed (loop or repeat): skipped`);
    if (depth > MAX_SPF_DEPTH) return void this.problems.push(`${via}: nesting deeper than ${MAX_SPF_DEPTH}: ${name} skipped`);
    this.#visited.add(key);
    const txts = await this.#query(`TXT ${name}`, () => this.#dns.txt(name));
    if (txts === undefined) return;
    const sel = selectRecord(txts);
    if (sel.kind !== 'record') return void this.problems.push(`${name}: ${sel.kind === 'none' ? 'no SPF record' : 'more than one SPF record'}`);
    let record: SpfRecord;
    try {
      record = parseRecord(sel.text);
    } catch (err) {
      if (err instanceof SpfSyntaxError) return void this.problems.push(`${name}: invalid SPF record: ${err.message}`);
      throw err;
    }
    let hasAll = false;
    for (const d of record.directives) {
      if (d.mechanism.type === 'all') hasAll = true;
      // Only pass terms authorise; `-ip4:`, `~include:` and the like say who may not send.
      if (d.qualifier !== '+') continue;
      await this.#term(d.mechanism, d.text, name, depth);
    }
    // A record with an `all` term never reaches its redirect (RFC 7208 §6.1).
    if (record.redirect && !hasAll) {
      const target = await this.#target(record.redirect, name, `${name}: redirect=`);
      if (target !== undefined && this.#count(`${name}: redirect=`)) await this.domain(target, depth + 1, `${name} redirect=`);
    }
  }

  async #term(m: SpfRecord['directives'][number]['mechanism'], text: string, domain: string, depth: number): Promise<void> {
    const where = `${domain}: ${text}`;
    switch (m.type) {
      case 'ip4':
      case 'ip6': {
        const addr = readableForm({ family: m.type === 'ip4' ? 4 : 6, bytes: m.network });
        return this.#add(`${addr}/${m.prefix}`, where);
      }
      case 'include': {
        const target = await this.#target(m.domain, domain, where);
        if (target !== undefined && this.#count(where)) await this.domain(target, depth + 1, where);
        return;
      }
      case 'a': {
        const target = m.domain ? await this.#target(m.domain, domain, where) : domain;
        if (target !== undefined && this.#count(where)) await this.#hostNetworks(target, m.cidr4, m.cidr6, where);
        return;
      }
      case 'mx': {
        const target = m.domain ? await this.#target(m.domain, domain, where) : domain;
        if (target === undefined || !this.#count(where)) return;
        const mxs = await this.#query(`MX ${target}`, () => this.#dns.mx(target));
        if (mxs === undefined) return;
        if (mxs.length > MAX_SPF_MX_NAMES) this.problems.push(`${where}: more than ${MAX_SPF_MX_NAMES} MX hosts: the first ${MAX_SPF_MX_NAMES} used`);
        for (const mx of [...mxs].sort((x, y) => x.priority - y.priority).slice(0, MAX_SPF_MX_NAMES)) {
          const host = targetName(mx.exchange);
          if (host !== undefined) await this.#hostNetworks(host, m.cidr4, m.cidr6, where);
        }
        return;
      }
      case 'all':
        return void this.problems.push(`${where}: authorises every address: ignored`);
      case 'ptr':
      case 'exists':
        return void this.problems.push(`${where}: depends on the client, cannot be listed: skipped`);
    }
  }

  async #hostNetworks(host: string, cidr4: number, cidr6: number, where: string): Promise<void> {
    const v4 = await this.#query(`A ${host}`, () => this.#dns.a(host));
    const v6 = await this.#query(`AAAA ${host}`, () => this.#dns.aaaa(host));
    for (const a of v4 ?? []) if (parseIp(a)?.family === 4) this.#add(`${a}/${cidr4}`, where);
    for (const a of v6 ?? []) if (parseIp(a)?.family === 6) this.#add(`${a}/${cidr6}`, where);
  }

  #add(cidr: string, where: string): void {
    const r = parseCidr(cidr);
    if (!r) return void this.problems.push(`${where}: ${cidr} is not a network: skipped`);
    const prefix = Number(cidr.slice(cidr.indexOf('/') + 1));
    if (prefix < (r.v === 4 ? MIN_IPV4_PREFIX : MIN_IPV6_PREFIX)) return void this.problems.push(`${where}: ${cidr} is too wide to whitelist: skipped`);
    if (this.ranges.length < MAX_SPF_NETWORKS) return void this.ranges.push(r);
    if (!this.#capped) this.problems.push(`more than ${MAX_SPF_NETWORKS} networks: the rest skipped`);
    this.#capped = true;
  }

  #count(where: string): boolean {
    if (++this.lookups <= MAX_SPF_LOOKUPS) return true;
    if (this.lookups === MAX_SPF_LOOKUPS + 1) this.problems.push(`${where}: more than ${MAX_SPF_LOOKUPS} DNS-querying terms: the rest skipped`);
    return false;
  }

  /** A domain-spec expanded for this domain; undefined (with a problem noted) when it needs client data or is no name. */
  async #target(tokens: readonly MacroToken[], domain: string, where: string): Promise<string | undefined> {
    const clientMacro = tokens.find((t) => t.kind === 'macro' && !DOMAIN_ONLY_MACROS.has(t.letter));
    if (clientMacro) return void this.problems.push(`${where}: uses client macros, cannot be listed: skipped`);
    const expanded = await expandMacro(tokens, {
      sender: `postmaster@${domain}`,
      domain,
      ip: { family: 4, bytes: new Uint8Array(4) },
      helo: domain,
      receiver: '',
      now: Date.now,
      validatedName: async () => 'unknown',
    });
    const name = targetName(expanded);
    if (name === undefined) this.problems.push(`${where}: ${expanded} is not a valid domain: skipped`);
    return name;
  }

  /** One query; a failure is noted (the result is then incomplete) rather than thrown. */
  async #query<T>(what: string, q: () => Promise<T[]>): Promise<T[] | undefined> {
    try {
      return await q();
    } catch (err) {
      this.incomplete = true;
      this.problems.push(`DNS ${what} failed: ${(err as Error).message}`);
      return undefined;
    }
  }
}

/** Follows `domain`'s SPF tree and returns the networks it authorises. Never throws for DNS or record problems. */
export async function resolveSpfNetworks(domain: string, dns: DnsResolver): Promise<SpfNetworks> {
  const w = new Walk(dns);
  const name = normalizeDomain(domain);
  if (name === undefined || !name.includes('.')) return { domain, networks: [], problems: [`${domain} is not a valid domain`], incomplete: false, lookups: 0 };
  await w.domain(name, 0, name);
  return { domain: name, networks: toCidrs(w.ranges), problems: w.problems, incomplete: w.incomplete, lookups: w.lookups };
}
