// The DnsResolver every check uses: node's c-ares resolver with configurable servers, a hard per-query deadline, a TTL-honouring LRU cache (RFC 2308 negative caching) and in-flight de-duplication.

import { Resolver } from 'node:dns/promises';
import type { Clock, DnsResolver } from '../core/context.ts';
import { systemClock } from '../core/context.ts';
import { WinnowError } from '../errors.ts';
import type { DnsConfig } from './config.ts';
import { reverseName } from './reverse-name.ts';
import { TtlCache } from './ttl-cache.ts';

type MxAnswer = { exchange: string; priority: number };
type QueryType = 'A' | 'AAAA' | 'TXT' | 'MX' | 'PTR';
/** What the cache holds: one record set, shared between callers only through copies. */
type Answer = readonly unknown[];
type Query<T> = (name: string) => Promise<{ answer: readonly T[]; ttlS: number | undefined }>;

const MS_PER_S = 1000;
/** c-ares codes meaning "the name or this record type does not exist": an answer, not a failure. */
const NEGATIVE_CODES = new Set(['ENOTFOUND', 'ENODATA']);
/** A name that cannot be asked for (empty label, over 253 octets) has no records; mail is full of such names. */
const BAD_NAME_CODES = new Set(['EBADNAME']);

export interface DnsStats {
  /** Queries handed to c-ares. */
  queries: number;
  /** Answers served from the cache. */
  cacheHits: number;
  /** Calls that joined an identical query already in flight. */
  inflightJoins: number;
  /** Queries that ended in ERR_DNS_TEMPFAIL. */
  tempfails: number;
}

export interface CachingResolverOptions {
  clock?: Clock;
}

export class CachingResolver implements DnsResolver {
  readonly #resolver: Resolver;
  readonly #config: DnsConfig;
  readonly #clock: Clock;
  readonly #cache: TtlCache<Answer>;
  readonly #inflight = new Map<string, Promise<Answer>>();
  readonly #stats: DnsStats = { queries: 0, cacheHits: 0, inflightJoins: 0, tempfails: 0 };
  readonly #deadlineMs: number;

  constructor(config: DnsConfig, opts: CachingResolverOptions = {}) {
    this.#config = config;
    this.#clock = opts.clock ?? systemClock;
    this.#cache = new TtlCache<Answer>(config.cache_size, this.#clock);
    // maxTimeout stops c-ares doubling the wait on each retry, so `tries` retries fit the deadline.
    const resolverOptions = { timeout: config.timeout_ms, tries: config.tries, maxTimeout: config.timeout_ms };
    this.#resolver = new Resolver(resolverOptions);
    this.#resolver.setServers(config.servers);
    this.#deadlineMs = config.timeout_ms * config.tries;
  }

  a(name: string): Promise<string[]> {
    return this.#lookup('A', name, async (n) => {
      const rrs = await this.#resolver.resolve4(n, { ttl: true });
      return { answer: rrs.map((r) => r.address), ttlS: minTtl(rrs) };
    });
  }

  aaaa(name: string): Promise<string[]> {
    return this.#lookup('AAAA', name, async (n) => {
      const rrs = await this.#resolver.resolve6(n, { ttl: true });
      return { answer: rrs.map((r) => r.address), ttlS: minTtl(rrs) };
    });
  }

  /** Each record's character-strings joined without separator, as SPF and DKIM require (RFC 7208 §3.3). */
  txt(name: string): Promise<string[]> {
    return this.#lookup('TXT', name, async (n) => {
      const rrs = await this.#resolver.resolveTxt(n);
      return { answer: rrs.map((chunks) => chunks.join('')), ttlS: undefined };
    });
  }

  mx(name: string): Promise<MxAnswer[]> {
    return this.#lookup('MX', name, async (n) => {
      const rrs = await this.#resolver.resolveMx(n);
      return { answer: rrs.map((r) => Object.freeze({ exchange: r.exchange, priority: r.priority })), ttlS: undefined };
    });
  }

  /** Host names at the address's in-addr.arpa/ip6.arpa name; asks DNS only (never /etc/hosts). */
  ptr(ip: string): Promise<string[]> {
    const name = reverseName(ip);
    if (name === undefined) return Promise.reject(new WinnowError('ERR_INVALID_ARGUMENT', `PTR lookup needs an IP address, got ${JSON.stringify(ip)}`));
    return this.#lookup('PTR', name, async (n) => ({ answer: await this.#resolver.resolvePtr(n), ttlS: undefined }));
  }

  stats(): Readonly<DnsStats> {
    return { ...this.#stats };
  }

  clearCache(): void {
    this.#cache.clear();
  }

  /** Abandons queries still in flight (they reject with ERR_DNS_TEMPFAIL); for shutdown. */
  close(): void {
    this.#resolver.cancel();
  }

  #lookup<T>(type: QueryType, rawName: string, query: Query<T>): Promise<T[]> {
    const name = rawName.toLowerCase().replace(/\.$/, '');
    const key = `${type} ${name}`;
    // Callers get their own array so one check cannot change what the cache hands the next.
    const cached = this.#cache.get(key);
    if (cached) {
      this.#stats.cacheHits++;
      return Promise.resolve([...(cached as readonly T[])]);
    }
    const pending = this.#inflight.get(key);
    if (pending) {
      this.#stats.inflightJoins++;
      return pending.then((answer) => [...(answer as readonly T[])]);
    }
    const p = this.#query(type, name, key, query).finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, p);
    return p.then((answer) => [...(answer as readonly T[])]);
  }

  async #query<T>(type: QueryType, name: string, key: string, query: Query<T>): Promise<Answer> {
    this.#stats.queries++;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('query deadline passed'), { code: 'ETIMEOUT' })), this.#deadlineMs);
    });
    try {
      const { answer, ttlS } = await Promise.race([query(name), deadline]);
      const ttl = Math.min(ttlS ?? this.#config.default_ttl_s, this.#config.max_ttl_s);
      this.#cache.set(key, answer, ttl * MS_PER_S);
      return answer;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && NEGATIVE_CODES.has(code)) {
        const empty: Answer = [];
        this.#cache.set(key, empty, Math.min(this.#config.negative_ttl_s, this.#config.max_ttl_s) * MS_PER_S);
        return empty;
      }
      if (typeof code === 'string' && BAD_NAME_CODES.has(code)) return [];
      this.#stats.tempfails++;
      throw new WinnowError('ERR_DNS_TEMPFAIL', `DNS ${type} ${name}: ${typeof code === 'string' ? code : String(err)}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }
}

function minTtl(rrs: readonly { ttl: number }[]): number | undefined {
  if (rrs.length === 0) return undefined;
  return Math.min(...rrs.map((r) => r.ttl));
}

export function createResolver(config: DnsConfig, opts: CachingResolverOptions = {}): CachingResolver {
  return new CachingResolver(config, opts);
}
