// The static black and white IP lists the spamd check consults (spamd.conf's sources): a small lookup interface and a file-backed implementation.

import { resolve } from 'node:path';
import type { Logger } from '../../core/context.ts';
import { parseMap, type MapMatcher } from '../../maps/matchers.ts';
import { WatchedFile } from '../../maps/watched-file.ts';
import { DEFAULT_BLACK_MESSAGE, type SpamdConfig } from './config.ts';

/** A black list that holds the address: its name and reply text (`%A` = client IP, `%%` = `%`, newlines split reply lines). */
export interface SpamdBlackHit {
  name: string;
  message: string;
}

export interface SpamdLookup {
  /** A white list holds the address: it goes to the real MTA. */
  white: boolean;
  /** Every black list holding the address, in configured order. */
  black: SpamdBlackHit[];
}

/** What the check needs from the list sources; the blacklist loader (`winnow blacklist update`) implements it too. */
export interface SpamdLists {
  lookup(ip: string): SpamdLookup;
  close?(): void;
}

interface FileList {
  name: string;
  type: 'black' | 'white';
  message: string;
  file: WatchedFile<MapMatcher>;
}

/** Lists read from `checks.spamd.lists` files and kept current on disk; an edit that does not parse keeps the previous list. */
export class FileSpamdLists implements SpamdLists {
  readonly #lists: FileList[];

  private constructor(lists: FileList[]) {
    this.#lists = lists;
  }

  static async open(config: SpamdConfig, configDir: string, log: Logger): Promise<FileSpamdLists> {
    const lists: FileList[] = [];
    try {
      // One file at a time: a failure must not leave a sibling opening after the cleanup below ran.
      for (const l of config.lists) {
        const file = await WatchedFile.open(resolve(configDir, l.file), (text) => parseMap('ip', text), {
          log,
          pollMs: config.poll_interval_ms,
          debounceMs: config.debounce_ms,
        }).catch((err: unknown) => {
          throw new Error(`spamd list ${l.name}: ${(err as Error).message}`, { cause: err });
        });
        lists.push({ name: l.name, type: l.type, message: l.message ?? DEFAULT_BLACK_MESSAGE, file });
      }
    } catch (err) {
      for (const l of lists) l.file.close();
      throw err;
    }
    return new FileSpamdLists(lists);
  }

  lookup(ip: string): SpamdLookup {
    const out: SpamdLookup = { white: false, black: [] };
    for (const l of this.#lists) {
      if (l.file.current.match(ip).length === 0) continue;
      if (l.type === 'white') out.white = true;
      else out.black.push({ name: l.name, message: l.message });
    }
    return out;
  }

  close(): void {
    for (const l of this.#lists) l.file.close();
  }
}

/** spamd's message expansion (PROTOCOLS §7.2): `%A` → the client address, `%%` → `%`; trailing newlines dropped. */
export function expandMessage(message: string, ip: string): string {
  return message.replace(/%[A%]/g, (m) => (m === '%A' ? ip : '%')).replace(/\n+$/, '');
}
