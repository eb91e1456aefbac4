// Keeps a parsed copy of a file current: fs.watch on its directory plus a periodic stat, debounced, keeping the last good content.

import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Logger } from '../core/context.ts';

/** Burst of events from one save (editors write, rename, chmod) collapses into one reload after this quiet time. */
export const DEFAULT_RELOAD_DEBOUNCE_MS = 200;
/** Stat fallback for filesystems where fs.watch is silent (NFS, some containers, replaced directories). */
export const DEFAULT_POLL_INTERVAL_MS = 10_000;

export interface WatchOptions {
  log: Logger;
  /** A missing file at open is not an error: the content starts as `parse('')` and appears when the file does. */
  optional?: boolean;
  debounceMs?: number;
  pollMs?: number;
  /** Set false to load once without watching (CLI tools, one-shot checks). */
  watch?: boolean;
  /** Set false to rely on polling alone, where fs.watch reports phantom or no events. */
  fsWatch?: boolean;
}

export class FileLoadError extends Error {}

/** A file's parsed content that follows edits on disk. `parse` throws to refuse content; the previous content stays. */
export class WatchedFile<T> {
  readonly path: string;
  readonly #parse: (text: string) => T;
  readonly #log: Logger;
  readonly #debounceMs: number;
  #current: T;
  #lastText: string | undefined;
  #version = 0;
  #statSig = '';
  #watcher: FSWatcher | undefined;
  #poll: NodeJS.Timeout | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #reloading: Promise<void> | undefined;
  #again = false;
  #closed = false;
  #missingLogged = false;

  private constructor(path: string, parse: (text: string) => T, initial: T, text: string | undefined, opts: WatchOptions) {
    this.path = path;
    this.#parse = parse;
    this.#current = initial;
    this.#lastText = text;
    this.#log = opts.log;
    this.#debounceMs = opts.debounceMs ?? DEFAULT_RELOAD_DEBOUNCE_MS;
  }

  /** Reads and parses `path`; throws FileLoadError naming the file when it is missing (unless optional) or invalid. */
  static async open<T>(path: string, parse: (text: string) => T, opts: WatchOptions): Promise<WatchedFile<T>> {
    // Taken before reading, so an edit landing between the two is seen by the first poll.
    const sig = await statSignature(path);
    let text: string | undefined;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !opts.optional) {
        throw new FileLoadError(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
      }
    }
    let initial: T;
    try {
      initial = parse(text ?? '');
    } catch (err) {
      throw new FileLoadError(`${path}: ${(err as Error).message}`, { cause: err });
    }
    const wf = new WatchedFile(path, parse, initial, text, opts);
    if (opts.watch !== false) wf.#start(sig, opts.pollMs ?? DEFAULT_POLL_INTERVAL_MS, opts.fsWatch !== false);
    return wf;
  }

  get current(): T {
    return this.#current;
  }

  /** Increases by one on every successful reload. */
  get version(): number {
    return this.#version;
  }

  #start(sig: string, pollMs: number, fsWatch: boolean): void {
    this.#statSig = sig;
    const base = basename(this.path);
    if (fsWatch) {
      this.#watchDirectory(base);
    }
    this.#poll = setInterval(() => {
      void statSignature(this.path).then((sig) => {
        if (sig !== this.#statSig) {
          this.#statSig = sig;
          this.#schedule();
        }
      });
    }, pollMs);
    this.#poll.unref();
  }

  #watchDirectory(base: string): void {
    try {
      // The directory, not the file: editors and `mv` replace the inode, which silences a watch on the file itself.
      this.#watcher = watch(dirname(this.path), { persistent: false }, (_event, name) => {
        if (name === null || name === base) this.#schedule();
      });
      this.#watcher.on('error', (err) => {
        this.#log.debug({ file: this.path, err: String(err) }, 'fs.watch failed; relying on polling');
        this.#watcher?.close();
        this.#watcher = undefined;
      });
    } catch (err) {
      this.#log.debug({ file: this.path, err: String(err) }, 'fs.watch unavailable; relying on polling');
    }
  }

  #schedule(): void {
    if (this.#closed) return;
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => void this.reload(), this.#debounceMs);
    this.#debounce.unref();
  }

  /** Re-reads the file now; concurrent calls coalesce into one extra pass. */
  reload(): Promise<void> {
    if (this.#reloading) {
      this.#again = true;
      return this.#reloading;
    }
    this.#reloading = (async () => {
      do {
        this.#again = false;
        await this.#reloadOnce();
      } while (this.#again && !this.#closed);
    })().finally(() => {
      this.#reloading = undefined;
    });
    return this.#reloading;
  }

  async #reloadOnce(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if (!this.#missingLogged) {
        this.#missingLogged = true;
        this.#log.warn({ file: this.path, err: (err as Error).message }, `cannot read ${this.path}; keeping the previous content`);
      }
      return;
    }
    this.#missingLogged = false;
    if (text === this.#lastText || this.#closed) return;
    this.#lastText = text; // a broken file is reported once, not on every poll
    try {
      this.#current = this.#parse(text);
    } catch (err) {
      this.#log.warn({ file: this.path, err: (err as Error).message }, `${this.path}: ${(err as Error).message}; keeping the previous content`);
      return;
    }
    this.#version++;
    this.#log.info({ file: this.path, version: this.#version }, `reloaded ${this.path}`);
  }

  close(): void {
    this.#closed = true;
    this.#watcher?.close();
    this.#watcher = undefined;
    clearInterval(this.#poll);
    clearTimeout(this.#debounce);
  }
}

async function statSignature(path: string): Promise<string> {
  try {
    const s = await stat(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}
