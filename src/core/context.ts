// The injected I/O every check and adapter uses: clock, logger, DNS resolver and store (DESIGN.md §5).

import type { Store } from '../storage/store.ts';

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export type LogFields = Record<string, unknown>;

/** Structured logger; the daemon backs it with pino, tests with a capturing logger. */
export interface Logger {
  debug(fields: LogFields, msg: string): void;
  info(fields: LogFields, msg: string): void;
  warn(fields: LogFields, msg: string): void;
  error(fields: LogFields, msg: string): void;
  child(fields: LogFields): Logger;
}

/** DNS lookups with timeouts and caching; implemented in src/dns/. */
export interface DnsResolver {
  a(name: string): Promise<string[]>;
  aaaa(name: string): Promise<string[]>;
  txt(name: string): Promise<string[]>;
  mx(name: string): Promise<{ exchange: string; priority: number }[]>;
  ptr(ip: string): Promise<string[]>;
}

export interface ScanContext {
  clock: Clock;
  log: Logger;
  dns: DnsResolver;
  store: Store;
}
