// Mbox dot-locking (`<mbox>.lock` created with O_EXCL), the convention procmail, Postfix local(8), mutt and liblockfile share.
import { open, stat, unlink, utimes, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { WinnowError } from '../errors.ts';

/** How long we wait for another process's lock before giving up. */
export const DOTLOCK_TIMEOUT_MS = 30_000;
/** liblockfile's rule: a lock untouched for five minutes belongs to a process that died. */
export const DOTLOCK_STALE_MS = 5 * 60_000;
/** First retry delay; it doubles up to DOTLOCK_MAX_RETRY_MS. */
export const DOTLOCK_RETRY_MS = 50;
export const DOTLOCK_MAX_RETRY_MS = 1_000;
/** Floor for the lock refresh interval (a third of the stale age). */
export const DOTLOCK_MIN_REFRESH_MS = 100;

export interface DotlockOptions {
  timeoutMs?: number;
  staleMs?: number;
}

export interface Dotlock {
  readonly lockPath: string;
  /** True when an abandoned lock had to be broken to get this one. */
  readonly brokeStale: boolean;
  release(): Promise<void>;
}

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

async function holderOf(lockPath: string): Promise<string> {
  try {
    const text = (await readFile(lockPath, 'latin1')).trim();
    return /^\d+$/.test(text) ? ` (held by pid ${text})` : '';
  } catch {
    return '';
  }
}

/**
 * Takes `<mboxPath>.lock`. While held, the lock's mtime is refreshed every third of `staleMs`, so a
 * long rewrite is not mistaken for an abandoned lock by other programs. Release only removes the lock
 * if it is still the file we created (same inode, our pid inside): if someone broke it, theirs stays.
 */
export async function acquireDotlock(mboxPath: string, opts: DotlockOptions = {}): Promise<Dotlock> {
  const lockPath = `${mboxPath}.lock`;
  const timeoutMs = opts.timeoutMs ?? DOTLOCK_TIMEOUT_MS;
  const staleMs = opts.staleMs ?? DOTLOCK_STALE_MS;
  const started = Date.now();
  let delay = DOTLOCK_RETRY_MS;
  let brokeStale = false;

  for (;;) {
    try {
      const fh = await open(lockPath, 'wx', 0o644);
      let ino: number;
      try {
        await fh.writeFile(`${process.pid}\n`);
        ino = (await fh.stat()).ino;
      } finally {
        await fh.close();
      }
      return holdLock(lockPath, ino, staleMs, brokeStale);
    } catch (err) {
      if (errCode(err) !== 'EEXIST') {
        throw new WinnowError('ERR_MAILBOX_LOCKED', `cannot create lock file ${lockPath}: ${(err as Error).message}`, {
          cause: err,
        });
      }
    }
    try {
      const st = await stat(lockPath);
      if (Date.now() - st.mtimeMs > staleMs) {
        // Another breaker may race us here; the loser's O_EXCL create simply fails and it waits again.
        await unlink(lockPath).catch((e: unknown) => {
          if (errCode(e) !== 'ENOENT') throw e;
        });
        brokeStale = true;
        continue;
      }
    } catch (err) {
      if (errCode(err) === 'ENOENT') continue;
      throw new WinnowError('ERR_MAILBOX_LOCKED', `cannot inspect lock file ${lockPath}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (Date.now() - started >= timeoutMs) {
      throw new WinnowError(
        'ERR_MAILBOX_LOCKED',
        `${mboxPath} is locked by another program: ${lockPath} still exists after ${timeoutMs} ms${await holderOf(lockPath)}`,
      );
    }
    await sleep(Math.min(delay, Math.max(1, timeoutMs - (Date.now() - started))));
    delay = Math.min(delay * 2, DOTLOCK_MAX_RETRY_MS);
  }
}

function holdLock(lockPath: string, ino: number, staleMs: number, brokeStale: boolean): Dotlock {
  const refresh = setInterval(
    () => {
      const now = new Date();
      utimes(lockPath, now, now).catch(() => {});
    },
    Math.max(DOTLOCK_MIN_REFRESH_MS, Math.floor(staleMs / 3)),
  );
  refresh.unref();
  let released = false;
  return {
    lockPath,
    brokeStale,
    async release() {
      if (released) return;
      released = true;
      clearInterval(refresh);
      try {
        // Inode numbers are reused at once on many file systems, so the pid we wrote must match too.
        const ours = (await stat(lockPath)).ino === ino && (await readFile(lockPath, 'latin1')) === `${process.pid}\n`;
        if (ours) await unlink(lockPath);
      } catch (err) {
        if (errCode(err) !== 'ENOENT') throw err;
      }
    },
  };
}
