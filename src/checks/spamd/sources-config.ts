// Config keys of the fetched black/white list sources (spamd.conf + spamd-setup) and the SPF-derived whitelist, spread into `checks.spamd`.

import { z } from 'zod';
import { duration } from '../../config/duration.ts';
import { normalizeDomain } from '../../maps/matchers.ts';

const MINUTE_MS = 60_000;
/** spamd-setup runs from cron, typically hourly. */
export const DEFAULT_UPDATE_INTERVAL_MS = 60 * MINUTE_MS;
/** One source's whole fetch (connect, download, command run). */
export const DEFAULT_SOURCE_TIMEOUT_MS = 2 * MINUTE_MS;
/** The seed's whitelist.sh ran daily: big senders' SPF records change rarely. */
export const DEFAULT_SPF_WHITELIST_INTERVAL_MS = 24 * 60 * MINUTE_MS;
/** Below this, a schedule would hammer list providers or DNS. */
const MIN_INTERVAL_MS = MINUTE_MS;
/** Name of the white source the SPF whitelist becomes. */
export const SPF_WHITELIST_SOURCE = 'spf-whitelist';

export type SourceLocation = { kind: 'http'; url: string } | { kind: 'exec'; command: string } | { kind: 'file'; path: string };

/** `http(s)://…` → a download, `exec:command` → a command's output (run by /bin/sh), anything else → a file path. */
export function sourceLocation(source: string): SourceLocation {
  if (/^https?:\/\//i.test(source)) return { kind: 'http', url: source };
  if (source.startsWith('exec:')) return { kind: 'exec', command: source.slice('exec:'.length).trim() };
  return { kind: 'file', path: source.replace(/^file:\/\//, '') };
}

export const spamdSourceSchema = z.strictObject({
  /** Names the list in symbols, logs and `winnow blacklist update` (spamd.conf's list tag). */
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, `_`, `.` and `-` only'),
  type: z.enum(['black', 'white']),
  /** Reply text for a black list: `%A` = client IP, `%%` = `%`, a newline starts a new reply line. */
  message: z.string().min(1).optional(),
  /** A file path (relative to the config file), an http(s) URL, or `exec:command`; gzip content is detected and unpacked. */
  source: z
    .string()
    .min(1)
    .refine((s) => {
      const loc = sourceLocation(s);
      if (loc.kind === 'exec') return loc.command !== '';
      if (loc.kind === 'http') return URL.canParse(loc.url);
      return true;
    }, 'expected a file path, an http(s):// URL or exec:command'),
});

export type SpamdSource = z.output<typeof spamdSourceSchema>;

const domainName = z.string().refine((d) => normalizeDomain(d) !== undefined, 'expected a domain name');

export const spfWhitelistSchema = z.strictObject({
  /** Domains whose SPF-authorised networks skip greylisting (big senders that retry from other addresses). */
  domains: z.array(domainName).min(1),
  /** How often the networks are resolved again. */
  interval: duration.default(DEFAULT_SPF_WHITELIST_INTERVAL_MS),
  /** The generated list file (relative to the data dir); it becomes the white source `spf-whitelist`. */
  output: z.string().min(1).default('spf-whitelist.txt'),
});

export type SpfWhitelistConfig = z.output<typeof spfWhitelistSchema>;

/** Keys spread into the spamd check's schema: `...spamdSourcesShape`. */
export const spamdSourcesShape = {
  /** Fetched lists in order (spamd.conf's `all`): a white source removes its addresses from the black sources before it. */
  sources: z
    .array(spamdSourceSchema)
    .default([])
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((s, i) => {
        if (seen.has(s.name) || s.name === SPF_WHITELIST_SOURCE) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate or reserved source name '${s.name}'` });
        seen.add(s.name);
        if (s.type === 'white' && s.message !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'message'], message: 'only black sources have a message' });
      });
    }),
  /** How often the daemon fetches the sources again (one process does it; workers reload the cached result). */
  update_interval: duration.refine((ms) => ms >= MIN_INTERVAL_MS, 'must be at least 1m').default(DEFAULT_UPDATE_INTERVAL_MS),
  /** Time limit of one source's fetch. */
  source_timeout: duration.refine((ms) => ms >= 1000, 'must be at least 1s').default(DEFAULT_SOURCE_TIMEOUT_MS),
  /** Resolve these domains' SPF records to networks on a schedule and use them as a white source (`winnow whitelist spf`). */
  spf_whitelist: spfWhitelistSchema.optional(),
};

const sourcesObject = z.strictObject(spamdSourcesShape);
export type SpamdSourcesConfig = z.output<typeof sourcesObject>;

/** The sources to load: the configured ones, then the SPF whitelist file when one is configured. */
export function effectiveSources(config: SpamdSourcesConfig, dataDir: string): SpamdSource[] {
  const out = [...config.sources];
  if (config.spf_whitelist) out.push({ name: SPF_WHITELIST_SOURCE, type: 'white', source: spfWhitelistPath(config.spf_whitelist, dataDir) });
  return out;
}

export function spfWhitelistPath(c: SpfWhitelistConfig, dataDir: string): string {
  return c.output.startsWith('/') ? c.output : `${dataDir}/${c.output}`;
}

/** Parses just these keys (with defaults) out of a raw YAML `checks.spamd` block, for commands that run while the check is disabled. */
export function parseSourcesConfig(block: unknown): SpamdSourcesConfig {
  const b = (block ?? {}) as Record<string, unknown>;
  const picked = Object.fromEntries(Object.keys(spamdSourcesShape).filter((k) => k in b).map((k) => [k, b[k]]));
  return sourcesObject.parse(picked);
}
