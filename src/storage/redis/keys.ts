// Redis key names: one prefix per winnow instance; keys one Lua script touches share a {hash tag} so they work on Cluster.

export interface BayesKeys {
  spam: string;
  ham: string;
  /** zset token → last-seen day; its cardinality is the token count. */
  seen: string;
  /** hash: nspam, nham. */
  totals: string;
  /** hash sig → class. */
  sigs: string;
  /** zset sig → day learned. */
  sigDays: string;
}

export interface WeightKeys {
  /** hash bucket → weight ('%.17g' text, HINCRBYFLOAT-compatible). */
  weights: string;
  /** zset bucket → day + |w| / (1 + |w|): trimming order, last-updated day = floor(score), ZCARD = bucket count. */
  age: string;
  /** hash: nspam, nham, bias, trimming ('1' while being trimmed back to 95 % of the cap). */
  totals: string;
  /** hash sig → class. */
  sigs: string;
  /** zset sig → day learned. */
  sigDays: string;
}

export interface ExpiringKeys {
  /** hash key → packed value. */
  entries: string;
  /** zset key → expiresAt (ms). */
  expiry: string;
  /** zset with every score 0: key order for paginated listing. */
  order: string;
}

/** One kind of expiring spamd entry: string keys `entry` + member (with a TTL), a lex-ordered index and an expiry zset. */
export interface SpamdKindKeys {
  entry: string;
  /** zset, every score 0: members in key order for listing. */
  idx: string;
  /** zset member → expiresAt (ms). */
  exp: string;
}

export interface SpamdKeys {
  grey: SpamdKindKeys;
  white: SpamdKindKeys;
  trapped: SpamdKindKeys;
  /** zset, every score 0: SPAMTRAP addresses (never expire). */
  spamtraps: string;
  /** Prefix of `from\nto` keys with a TTL: replies expected from `from` to `to`. */
  reply: string;
}

export class RedisKeys {
  readonly prefix: string;
  constructor(prefix: string) {
    this.prefix = prefix;
  }
  get counters(): string {
    return `${this.prefix}counters`;
  }
  get history(): string {
    return `${this.prefix}history`;
  }
  /** Registry of Bayes namespaces (outside any tag: written beside, not inside, the learn script). */
  get bayesUsers(): string {
    return `${this.prefix}bayes:users`;
  }
  bayes(ns: string): BayesKeys {
    // encodeURIComponent escapes { and }, so a user name can never break the hash tag.
    const base = `${this.prefix}{bayes:${encodeURIComponent(ns)}}`;
    return {
      spam: `${base}:spam`,
      ham: `${base}:ham`,
      seen: `${base}:seen`,
      totals: `${base}:totals`,
      sigs: `${base}:sigs`,
      sigDays: `${base}:sigdays`,
    };
  }
  /** Registry of weight namespaces (outside any tag, like bayesUsers). */
  get weightUsers(): string {
    return `${this.prefix}weights:users`;
  }
  weights(ns: string): WeightKeys {
    const base = `${this.prefix}{weights:${encodeURIComponent(ns)}}`;
    return {
      weights: `${base}:w`,
      age: `${base}:age`,
      totals: `${base}:totals`,
      sigs: `${base}:sigs`,
      sigDays: `${base}:sigdays`,
    };
  }
  expiring(name: 'greylist' | 'whitelist' | 'fuzzy'): ExpiringKeys {
    const base = `${this.prefix}{${name}}`;
    return { entries: `${base}:entries`, expiry: `${base}:expiry`, order: `${base}:order` };
  }
  rate(key: string): string {
    return `${this.prefix}rate:${key}`;
  }
  /** The spamd database: one hash tag, so a script may touch a tuple, its IP's WHITE and TRAPPED entries and the indexes. */
  get spamd(): SpamdKeys {
    const base = `${this.prefix}{spamd}`;
    const index = (kind: string) => ({ idx: `${base}:idx:${kind}`, exp: `${base}:exp:${kind}` });
    return {
      grey: { entry: `${base}:g:`, ...index('grey') },
      white: { entry: `${base}:w:`, ...index('white') },
      trapped: { entry: `${base}:t:`, ...index('trapped') },
      spamtraps: `${base}:spamtraps`,
      reply: `${base}:r:`,
    };
  }
}
