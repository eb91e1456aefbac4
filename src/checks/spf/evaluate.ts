// The SPF check_host() function (RFC 7208 §4–§6): record lookup, mechanism evaluation, redirect/include, exp= explanations, and the DNS lookup, void lookup and time limits.

import type { DnsResolver } from '../../core/context.ts';
import { inPrefix, parseIp, readableForm, sameIp, type IpAddr } from './ip.ts';
import { expandMacro, parseMacroString, SpfSyntaxError, type MacroToken, type MacroValues } from './macro.ts';
import { parseRecord, selectRecord, type Directive, type Qualifier } from './record.ts';

export type SpfResult = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'permerror' | 'temperror';
export const SPF_RESULTS: readonly SpfResult[] = ['pass', 'fail', 'softfail', 'neutral', 'none', 'permerror', 'temperror'];

/** Terms that cause DNS queries (include, a, mx, ptr, exists, redirect) per evaluation (RFC 7208 §4.6.4). */
export const MAX_DNS_LOOKUPS = 10;
/** Lookups answering NXDOMAIN or no records, beyond which the result is permerror (RFC 7208 §4.6.4). */
export const MAX_VOID_LOOKUPS = 2;
/** MX names one `mx` term may look up; more is a permerror (RFC 7208 §4.6.4). */
export const MAX_MX_NAMES = 10;
/** PTR names one `ptr` term or `%{p}` validates; the rest are ignored (RFC 7208 §4.6.4). */
export const MAX_PTR_NAMES = 10;
/** Whole-evaluation DNS budget; RFC 7208 §4.6.4 suggests at least 20 s, a mail server wants an answer sooner. */
export const DEFAULT_SPF_BUDGET_MS = 10_000;
/** Longest domain name in presentation form without the final dot (RFC 1035 §2.3.4). */
const MAX_DOMAIN_CHARS = 253;
const MAX_LABEL_CHARS = 63;

const QUALIFIER_RESULTS: Record<Qualifier, SpfResult> = { '+': 'pass', '-': 'fail', '~': 'softfail', '?': 'neutral' };

export interface SpfQuery {
  /** Connecting client's address. */
  ip: string;
  /** MAIL FROM without angle brackets; '' (the null sender) makes HELO the identity. */
  sender: string;
  helo: string;
}

export interface SpfOptions {
  dns: DnsResolver;
  /** `%{r}`: this host's name, for explanations. */
  receiver?: string;
  now?: () => number;
  /** Overall DNS time budget in ms; past it the result is temperror. */
  budgetMs?: number;
  signal?: AbortSignal;
}

export interface SpfOutcome {
  result: SpfResult;
  /** Which identity was checked (RFC 7208 §2.3, §2.4). */
  identity: 'mailfrom' | 'helo';
  /** `<sender>` as checked: MAIL FROM, or postmaster@HELO. */
  sender: string;
  /** The domain whose policy was asked. */
  domain: string;
  /** The directive that matched, as written (`-all`, `include:_spf.example.com`). */
  mechanism?: string;
  /** The domain's exp= text for a fail, expanded; undefined when it has none or it could not be used. */
  explanation?: string;
  /** Why the result is permerror/temperror/none. */
  problem?: string;
  lookups: number;
  voidLookups: number;
}

/** Ends an evaluation early with permerror or temperror. */
class SpfAbort extends Error {
  readonly result: 'permerror' | 'temperror';
  constructor(result: 'permerror' | 'temperror', message: string) {
    super(message);
    this.result = result;
  }
}

interface HostResult {
  result: SpfResult;
  mechanism?: string;
  explanation?: string;
  problem?: string;
}

function sameAddress(text: string, ip: IpAddr): boolean {
  const parsed = parseIp(text);
  return parsed !== undefined && sameIp(parsed, ip);
}

/** Strips one final dot and shortens an over-long name by left labels (RFC 7208 §4.8); undefined when no query can be made of it. */
export function targetName(expanded: string): string | undefined {
  let name = expanded.endsWith('.') ? expanded.slice(0, -1) : expanded;
  while (name.length > MAX_DOMAIN_CHARS && name.includes('.')) name = name.slice(name.indexOf('.') + 1);
  const labels = name.split('.');
  if (name.length > MAX_DOMAIN_CHARS || labels.some((l) => l.length === 0 || l.length > MAX_LABEL_CHARS)) return undefined;
  return name;
}

/** A usable <domain> for check_host(): a multi-label FQDN with a non-numeric top label (RFC 7208 §4.3). */
export function isCheckableDomain(domain: string): boolean {
  const name = targetName(domain);
  if (name === undefined || name !== domain.replace(/\.$/, '') || !name.includes('.')) return false;
  return /^(?:[a-z0-9]*[a-z][a-z0-9]*|[a-z0-9]+-[a-z0-9-]*[a-z0-9])$/i.test(name.slice(name.lastIndexOf('.') + 1));
}

class Evaluation {
  lookups = 0;
  voids = 0;
  readonly #ip: IpAddr;
  readonly #query: SpfQuery & { sender: string };
  readonly #opts: SpfOptions;
  readonly #deadline: number;
  #validated: Promise<{ names: string[]; noPtr: boolean }> | undefined;

  constructor(ip: IpAddr, query: SpfQuery, opts: SpfOptions) {
    this.#ip = ip;
    this.#query = query;
    this.#opts = opts;
    this.#deadline = Date.now() + (opts.budgetMs ?? DEFAULT_SPF_BUDGET_MS);
  }

  async checkHost(domain: string): Promise<HostResult> {
    const txts = await this.#dns(`TXT ${domain}`, () => this.#opts.dns.txt(domain));
    const selection = selectRecord(txts);
    if (selection.kind === 'none') return { result: 'none', problem: `no SPF record at ${domain}` };
    if (selection.kind === 'multiple') throw new SpfAbort('permerror', `more than one SPF record at ${domain}`);
    let record;
    try {
      record = parseRecord(selection.text);
    } catch (err) {
      if (err instanceof SpfSyntaxError) throw new SpfAbort('permerror', `${domain}: ${err.message}`);
      throw err;
    }
    for (const d of record.directives) {
      if (!(await this.#matches(d, domain))) continue;
      const result = QUALIFIER_RESULTS[d.qualifier];
      const explanation = result === 'fail' && record.exp ? await this.#explain(record.exp, domain) : undefined;
      return { result, mechanism: d.text, ...(explanation !== undefined ? { explanation } : {}) };
    }
    if (record.redirect) {
      this.#count();
      const target = targetName(await this.#expand(record.redirect, domain));
      if (target === undefined) throw new SpfAbort('permerror', `redirect= from ${domain} names no valid domain`);
      const sub = await this.checkHost(target);
      if (sub.result === 'none') throw new SpfAbort('permerror', `redirect= target ${target} has no SPF record`);
      return sub;
    }
    return { result: 'neutral', mechanism: 'default' };
  }

  async #matches(d: Directive, domain: string): Promise<boolean> {
    const m = d.mechanism;
    const ip = this.#ip;
    switch (m.type) {
      case 'all':
        return true;
      case 'ip4':
      case 'ip6':
        return (m.type === 'ip4' ? 4 : 6) === ip.family && inPrefix(ip.bytes, m.network, m.prefix);
      case 'include': {
        this.#count();
        const target = targetName(await this.#expand(m.domain, domain));
        if (target === undefined) throw new SpfAbort('permerror', `${d.text}: not a valid domain`);
        const sub = await this.checkHost(target);
        if (sub.result === 'none') throw new SpfAbort('permerror', `${d.text}: ${target} has no SPF record`);
        return sub.result === 'pass';
      }
      case 'a': {
        this.#count();
        const target = m.domain ? targetName(await this.#expand(m.domain, domain)) : domain;
        if (target === undefined) return false;
        const addrs = this.#countVoid(await this.#addresses(target));
        return this.#anyInPrefix(addrs, ip.family === 4 ? m.cidr4 : m.cidr6);
      }
      case 'mx': {
        this.#count();
        const target = m.domain ? targetName(await this.#expand(m.domain, domain)) : domain;
        if (target === undefined) return false;
        const mxs = this.#countVoid(await this.#dns(`MX ${target}`, () => this.#opts.dns.mx(target)));
        if (mxs.length > MAX_MX_NAMES) throw new SpfAbort('permerror', `${d.text}: more than ${MAX_MX_NAMES} MX names`);
        for (const mx of [...mxs].sort((x, y) => x.priority - y.priority)) {
          const host = targetName(mx.exchange);
          if (host === undefined) continue;
          if (this.#anyInPrefix(await this.#addresses(host), ip.family === 4 ? m.cidr4 : m.cidr6)) return true;
        }
        return false;
      }
      case 'ptr': {
        this.#count();
        const target = m.domain ? targetName(await this.#expand(m.domain, domain)) : domain;
        if (target === undefined) return false;
        const names = await this.#validatedNames(true);
        const t = target.toLowerCase();
        return names.some((n) => n === t || n.endsWith(`.${t}`));
      }
      case 'exists': {
        this.#count();
        const target = targetName(await this.#expand(m.domain, domain));
        if (target === undefined) return false;
        return this.#countVoid(await this.#dns(`A ${target}`, () => this.#opts.dns.a(target))).length > 0;
      }
    }
  }

  #anyInPrefix(addrs: readonly string[], prefix: number): boolean {
    return addrs.some((a) => {
      const parsed = parseIp(a);
      return parsed !== undefined && parsed.family === this.#ip.family && inPrefix(this.#ip.bytes, parsed.bytes, prefix);
    });
  }

  /** A or AAAA records of `name`, by the client's address family (RFC 7208 §5.3). */
  #addresses(name: string): Promise<string[]> {
    if (this.#ip.family === 4) return this.#dns(`A ${name}`, () => this.#opts.dns.a(name));
    return this.#dns(`AAAA ${name}`, () => this.#opts.dns.aaaa(name));
  }

  /**
   * The client's host names whose addresses include the client (RFC 7208 §5.5): at most MAX_PTR_NAMES are tried,
   * and DNS errors skip the name (or, on the PTR query itself, give none). For the `ptr` term an empty PTR answer is a
   * void lookup; a failed one is not.
   */
  async #validatedNames(forPtrTerm: boolean): Promise<string[]> {
    this.#validated ??= this.#validate();
    const { names, noPtr } = await this.#validated;
    if (forPtrTerm && noPtr) this.#countVoid([]);
    return names;
  }

  async #validate(): Promise<{ names: string[]; noPtr: boolean }> {
    let ptrs: string[];
    try {
      ptrs = await this.#dns('PTR', () => this.#opts.dns.ptr(readableForm(this.#ip)));
    } catch (err) {
      if (err instanceof SpfAbort && err.result === 'temperror') return { names: [], noPtr: false };
      throw err;
    }
    const names: string[] = [];
    for (const raw of ptrs.slice(0, MAX_PTR_NAMES)) {
      const name = targetName(raw.toLowerCase());
      if (name === undefined) continue;
      try {
        const addrs = await this.#addresses(name);
        if (addrs.some((a) => sameAddress(a, this.#ip))) names.push(name);
      } catch (err) {
        if (!(err instanceof SpfAbort && err.result === 'temperror')) throw err;
      }
    }
    return { names, noPtr: ptrs.length === 0 };
  }

  /** `%{p}` (RFC 7208 §7.3): <domain> itself if validated, else a validated subdomain of it, else any, else "unknown". */
  async #pMacro(domain: string): Promise<string> {
    const names = await this.#validatedNames(false);
    const d = domain.toLowerCase();
    return names.find((n) => n === d) ?? names.find((n) => n.endsWith(`.${d}`)) ?? names[0] ?? 'unknown';
  }

  /** The explanation for a fail (RFC 7208 §6.2): any problem on the way means "no explanation", never an error. */
  async #explain(exp: MacroToken[], domain: string): Promise<string | undefined> {
    try {
      const target = targetName(await this.#expand(exp, domain));
      if (target === undefined) return undefined;
      const txts = await this.#dns(`TXT ${target}`, () => this.#opts.dns.txt(target));
      if (txts.length !== 1) return undefined;
      return await this.#expand(parseMacroString(txts[0], 'explain'), domain);
    } catch {
      return undefined;
    }
  }

  #expand(tokens: readonly MacroToken[], domain: string): Promise<string> {
    const values: MacroValues = {
      sender: this.#query.sender,
      domain,
      ip: this.#ip,
      helo: this.#query.helo,
      receiver: this.#opts.receiver ?? '',
      now: this.#opts.now ?? Date.now,
      validatedName: () => this.#pMacro(domain),
    };
    return expandMacro(tokens, values);
  }

  #count(): void {
    if (++this.lookups > MAX_DNS_LOOKUPS) throw new SpfAbort('permerror', `more than ${MAX_DNS_LOOKUPS} DNS-querying terms`);
  }

  #countVoid<T>(answers: T[]): T[] {
    if (answers.length === 0 && ++this.voids > MAX_VOID_LOOKUPS) {
      throw new SpfAbort('permerror', `more than ${MAX_VOID_LOOKUPS} void DNS lookups`);
    }
    return answers;
  }

  /** One DNS query within the evaluation's budget; a failure to get an answer is a temperror. */
  async #dns<T>(what: string, query: () => Promise<T>): Promise<T> {
    const left = this.#deadline - Date.now();
    if (left <= 0 || this.#opts.signal?.aborted) throw new SpfAbort('temperror', `DNS time budget spent before ${what}`);
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stop = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SpfAbort('temperror', `DNS time budget spent during ${what}`)), left);
      onAbort = () => reject(new SpfAbort('temperror', `aborted during ${what}`));
      this.#opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([query(), stop]);
    } catch (err) {
      if (err instanceof SpfAbort) throw err;
      throw new SpfAbort('temperror', `DNS ${what}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      clearTimeout(timer);
      if (onAbort) this.#opts.signal?.removeEventListener('abort', onAbort);
    }
  }
}

/** Evaluates SPF for one SMTP transaction: MAIL FROM, or postmaster@HELO for the null sender (RFC 7208 §2.4, §4). */
export async function checkSpf(query: SpfQuery, opts: SpfOptions): Promise<SpfOutcome> {
  const identity = query.sender === '' ? 'helo' : 'mailfrom';
  let sender = identity === 'helo' ? `postmaster@${query.helo}` : query.sender;
  const at = sender.lastIndexOf('@');
  if (at < 0) sender = `postmaster@${sender}`;
  else if (at === 0) sender = `postmaster${sender}`;
  const domain = sender.slice(sender.lastIndexOf('@') + 1);
  const base = { identity, sender, domain, lookups: 0, voidLookups: 0 } as const;
  const ip = parseIp(query.ip);
  if (!ip) return { ...base, result: 'none', problem: `client address ${JSON.stringify(query.ip)} is not an IP address` };
  if (!isCheckableDomain(domain)) return { ...base, result: 'none', problem: `${JSON.stringify(domain)} is not a domain SPF can be checked for` };
  const ev = new Evaluation(ip, { ...query, sender }, opts);
  let host: HostResult;
  try {
    host = await ev.checkHost(domain.replace(/\.$/, ''));
  } catch (err) {
    if (!(err instanceof SpfAbort)) throw err;
    host = { result: err.result, problem: err.message };
  }
  return { ...base, ...host, lookups: ev.lookups, voidLookups: ev.voids };
}
