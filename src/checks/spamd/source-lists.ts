// The worker side of the list sources: a SpamdLists backed by the cache file the updater writes, reloaded when it changes, and a combinator with the check's static lists.

import { join } from 'node:path';
import type { Logger } from '../../core/context.ts';
import { WatchedFile } from '../../maps/watched-file.ts';
import type { SpamdLists, SpamdLookup } from './lists.ts';
import { CachedSpamdLists, LISTS_CACHE_FILE, parseCache } from './lists-cache.ts';
import { effectiveSources, type SpamdSourcesConfig } from './sources-config.ts';

export function listsCachePath(dataDir: string): string {
  return join(dataDir, LISTS_CACHE_FILE);
}

export interface SourceListsOptions {
  pollMs?: number;
  debounceMs?: number;
}

/** Lists from `<dataDir>/spamd-lists.json`: empty until the updater first writes it; a broken rewrite keeps the previous lists. */
export class SourceSpamdLists implements SpamdLists {
  readonly #file: WatchedFile<CachedSpamdLists>;

  private constructor(file: WatchedFile<CachedSpamdLists>) {
    this.#file = file;
  }

  static async open(dataDir: string, log: Logger, opts: SourceListsOptions = {}): Promise<SourceSpamdLists> {
    const path = listsCachePath(dataDir);
    let first = true;
    const parse = (text: string): CachedSpamdLists => {
      try {
        return new CachedSpamdLists(text === '' ? undefined : parseCache(text));
      } catch (err) {
        // A broken file at start must not stop the daemon: start empty and take the next good write. Later, a
        // broken rewrite throws so WatchedFile keeps the previous lists.
        if (!first) throw err;
        log.warn({ file: path, err: (err as Error).message }, `spamd lists: ${path}: ${(err as Error).message}; starting with no fetched lists`);
        return new CachedSpamdLists(undefined);
      } finally {
        first = false;
      }
    };
    return new SourceSpamdLists(await WatchedFile.open(path, parse, { log, optional: true, pollMs: opts.pollMs, debounceMs: opts.debounceMs }));
  }

  /** Bumps on every reload of the cache file (tests and `winnow checks` status). */
  get version(): number {
    return this.#file.version;
  }

  lookup(ip: string): SpamdLookup {
    return this.#file.current.lookup(ip);
  }

  close(): void {
    this.#file.close();
  }
}

/** Several list sets as one: white when any of them says white (each decides its own white-versus-black), black hits in order. */
export function combineLists(...lists: SpamdLists[]): SpamdLists {
  return {
    lookup(ip) {
      const hits = lists.map((l) => l.lookup(ip));
      return { white: hits.some((h) => h.white), black: hits.flatMap((h) => h.black) };
    },
    close() {
      for (const l of lists) l.close?.();
    },
  };
}

/**
 * The spamd check's hook: `base` (its static list files) plus the fetched sources' cache when any source (or the SPF
 * whitelist) is configured; `base` alone otherwise, so no watcher runs for nothing.
 */
export async function withSourceLists(base: SpamdLists, config: SpamdSourcesConfig, dataDir: string, log: Logger, opts: SourceListsOptions = {}): Promise<SpamdLists> {
  if (effectiveSources(config, dataDir).length === 0) return base;
  return combineLists(base, await SourceSpamdLists.open(dataDir, log, opts));
}
