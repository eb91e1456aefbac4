// Writes the SPF-derived whitelist file (`winnow whitelist spf`, and the daemon's refresh): one CIDR per line tagged `# domain`, keeping a domain's previous networks when DNS failed.

import { readFile } from 'node:fs/promises';
import type { DnsResolver, Logger } from '../../core/context.ts';
import { replaceFile } from './replace-file.ts';
import { resolveSpfNetworks } from './spf-networks.ts';

export interface SpfWhitelistReport {
  domain: string;
  networks: number;
  problems: string[];
  /** DNS failed on the way and the domain's networks from the previous file were kept. */
  kept: boolean;
}

/** `cidr # domain` lines of an earlier file, by domain. */
function previousByDomain(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+#\s*(\S+)\s*$/.exec(line);
    if (!m) continue;
    const list = out.get(m[2]) ?? [];
    list.push(m[1]);
    out.set(m[2], list);
  }
  return out;
}

export interface SpfWhitelistOptions {
  domains: readonly string[];
  dns: DnsResolver;
  path: string;
  log: Logger;
  now?: () => number;
}

/** Resolves every domain (one at a time: the DNS server is asked gently) and replaces the file in one rename. */
export async function writeSpfWhitelist(opts: SpfWhitelistOptions): Promise<SpfWhitelistReport[]> {
  const previous = previousByDomain(await readFile(opts.path, 'utf8').catch(() => ''));
  const reports: SpfWhitelistReport[] = [];
  const lines = [
    `# winnow whitelist spf: networks the SPF records of these domains authorise; written ${new Date((opts.now ?? Date.now)()).toISOString()}`,
  ];
  for (const d of opts.domains) {
    const r = await resolveSpfNetworks(d, opts.dns);
    const old = previous.get(r.domain);
    const kept = r.incomplete && old !== undefined;
    const networks = kept ? old : r.networks;
    if (r.problems.length) {
      opts.log.warn({ domain: r.domain, problems: r.problems }, `spf whitelist ${r.domain}: ${r.problems[0]}${r.problems.length > 1 ? ` (+${r.problems.length - 1} more)` : ''}${kept ? '; keeping its previous networks' : ''}`);
    }
    lines.push(`# ${r.domain}: ${networks.length} network(s)${kept ? ', kept from the previous run (DNS failed)' : ''}`);
    for (const n of networks) lines.push(`${n} # ${r.domain}`);
    reports.push({ domain: r.domain, networks: networks.length, problems: r.problems, kept });
  }
  await replaceFile(opts.path, `${lines.join('\n')}\n`);
  return reports;
}
