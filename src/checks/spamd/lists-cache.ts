// The merged result of the list sources on disk (`spamd-lists.json` in the data dir): written by one updater, read by every worker and after a restart.

import { IpSet } from '../../maps/ip-set.ts';
import { DEFAULT_BLACK_MESSAGE } from './config.ts';
import type { SpamdLists, SpamdLookup } from './lists.ts';
import { replaceFile } from './replace-file.ts';

export const LISTS_CACHE_FILE = 'spamd-lists.json';
const CACHE_VERSION = 1;

export interface CachedSource {
  name: string;
  type: 'black' | 'white';
  /** Black sources: reply text (`%A` = client IP). */
  message?: string;
  /** The source's own networks (collapsed CIDRs): what a failed fetch falls back to next time. */
  raw: string[];
  /** Black sources: `raw` minus the white sources after it; what lookups use. */
  effective?: string[];
  /** When `raw` was last fetched successfully (ms since the epoch); 0 when it never was. */
  fetchedAt: number;
  /** Bad lines in the last successful fetch. */
  bad: number;
  /** Why the last fetch failed, when it did (then `raw` is the previous list). */
  error?: string;
}

export interface ListsCache {
  version: typeof CACHE_VERSION;
  /** When the updater last wrote the file. */
  writtenAt: number;
  sources: CachedSource[];
}

function isStringArray(x: unknown): x is string[] {
  return Array.isArray(x) && x.every((s) => typeof s === 'string');
}

/** Validates the file's shape; throws with the reason (a reader keeps its previous lists then). */
export function parseCache(text: string): ListsCache {
  const data = JSON.parse(text) as Partial<ListsCache>;
  if (data?.version !== CACHE_VERSION || !Array.isArray(data.sources) || typeof data.writtenAt !== 'number') {
    throw new Error(`not a version ${CACHE_VERSION} spamd lists cache`);
  }
  for (const s of data.sources as Partial<CachedSource>[]) {
    const ok =
      typeof s?.name === 'string' &&
      (s.type === 'black' || s.type === 'white') &&
      isStringArray(s.raw) &&
      (s.effective === undefined || isStringArray(s.effective)) &&
      typeof s.fetchedAt === 'number';
    if (!ok) throw new Error(`source entry ${JSON.stringify(s?.name ?? '?')} is malformed`);
  }
  return data as ListsCache;
}

/** Replaces the file in one rename, so a reader never sees half of it. */
export async function writeCache(path: string, cache: ListsCache): Promise<void> {
  await replaceFile(path, JSON.stringify(cache));
}

interface CompiledSource {
  name: string;
  message: string;
  set: IpSet;
}

/** The lookup a cache file stands for: one IpSet per black source (a client may be on several), one for every white address. */
export class CachedSpamdLists implements SpamdLists {
  readonly #black: CompiledSource[] = [];
  readonly #white = new IpSet();

  constructor(cache: ListsCache | undefined) {
    for (const s of cache?.sources ?? []) {
      if (s.type === 'white') {
        for (const c of s.raw) this.#white.add(c, undefined);
        continue;
      }
      const set = new IpSet();
      for (const c of s.effective ?? s.raw) set.add(c, undefined);
      this.#black.push({ name: s.name, message: s.message ?? DEFAULT_BLACK_MESSAGE, set });
    }
  }

  /**
   * Black hits come from the effective lists (whitelist subtraction already done, in spamd.conf order); a white
   * address goes to the real MTA only when no black list after its white source still holds it.
   */
  lookup(ip: string): SpamdLookup {
    const black = this.#black.filter((b) => b.set.lookup(ip) !== undefined).map((b) => ({ name: b.name, message: b.message }));
    return { white: black.length === 0 && this.#white.lookup(ip) !== undefined, black };
  }
}
