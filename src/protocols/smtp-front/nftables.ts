// Optional nftables sync: whitelisted client addresses are added (with a timeout) to kernel sets, for sites that redirect port 25 with nft instead of proxying.

import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { delimiter, join } from 'node:path';
import type { Logger } from '../../core/context.ts';
import { IncidentLog } from '../../log/incident-log.ts';
import type { SmtpFrontConfig } from './config.ts';

export type NftConfig = SmtpFrontConfig['nftables'];

/** Addresses whitelisted within this window go to the kernel in one nft command. */
export const NFT_BATCH_INTERVAL_MS = 1000;
/** nft talks to the kernel over netlink; it never takes seconds unless something is wrong. */
export const NFT_TIMEOUT_MS = 10_000;
/** Addresses per nft command: keeps the argument well below the kernel's limits. */
export const NFT_MAX_BATCH = 500;

/** `nft add element <family> <table> <set> { a timeout Ns, b timeout Ns }` argument lists, one per set (IPv4, IPv6). */
export function nftAddCommands(cfg: NftConfig, ips: readonly string[]): string[][] {
  const timeout = `${Math.max(1, Math.round(cfg.timeout / 1000))}s`;
  const v4 = [...new Set(ips.filter((ip) => isIPv4(ip)))];
  const v6 = cfg.set6 === undefined ? [] : [...new Set(ips.filter((ip) => isIPv6(ip)))];
  const out: string[][] = [];
  const add = (set: string, list: string[]) => {
    for (let i = 0; i < list.length; i += NFT_MAX_BATCH) {
      const elements = list.slice(i, i + NFT_MAX_BATCH).map((ip) => `${ip} timeout ${timeout}`).join(', ');
      out.push(['add', 'element', cfg.family, cfg.table, set, `{ ${elements} }`]);
    }
  };
  add(cfg.set, v4);
  if (cfg.set6 !== undefined) add(cfg.set6, v6);
  return out;
}

/** Whether `command` names an executable file (a path, or a name found on PATH). */
export function findExecutable(command: string, path = process.env.PATH ?? ''): string | undefined {
  const candidates = command.includes('/') ? [command] : path.split(delimiter).filter(Boolean).map((d) => join(d, command));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return undefined;
}

export type NftRunner = (command: string, args: string[]) => Promise<void>;

const runNft: NftRunner = (command, args) =>
  new Promise((resolve, reject) => {
    execFile(command, args, { timeout: NFT_TIMEOUT_MS }, (err, _stdout, stderr) => (err ? reject(new Error(`${err.message.split('\n')[0]} ${String(stderr).trim()}`)) : resolve()));
  });

/** Batches whitelisted addresses and adds them to the configured sets; off unless enabled and nft is installed. */
export class NftSync {
  readonly active: boolean;
  readonly #cfg: NftConfig;
  readonly #log: Logger;
  readonly #run: NftRunner;
  readonly #command: string;
  #pending = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  readonly #incident = new IncidentLog();

  constructor(cfg: NftConfig, log: Logger, run: NftRunner = runNft, exists: (cmd: string) => string | undefined = findExecutable) {
    this.#cfg = cfg;
    this.#log = log;
    this.#run = run;
    const found = cfg.enabled ? exists(cfg.command) : undefined;
    if (cfg.enabled && found === undefined) log.warn({ command: cfg.command }, 'smtp-front: nftables sync is enabled but nft was not found; whitelisted addresses are not synced');
    this.active = found !== undefined;
    this.#command = found ?? cfg.command;
  }

  add(ip: string): void {
    if (!this.active) return;
    this.#pending.add(ip);
    this.#timer ??= setTimeout(() => void this.flush(), NFT_BATCH_INTERVAL_MS);
    this.#timer.unref();
  }

  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const ips = [...this.#pending];
    this.#pending = new Set();
    for (const args of nftAddCommands(this.#cfg, ips)) {
      try {
        await this.#run(this.#command, args);
        this.#incident.succeeded(this.#log, (n) => `smtp-front: nft works again after ${n} failed commands`);
      } catch (err) {
        this.#incident.failed(this.#log, 'warn', { err: (err as Error).message, args }, 'smtp-front: nft add element failed; whitelisted addresses are not synced');
      }
    }
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
