// Drops chosen messages from an mbox under a dot-lock, keeping every byte that was not read and chosen (appended mail included).
import { createHash, randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { WinnowError } from '../errors.ts';
import { acquireDotlock } from './dotlock.ts';
import { errnoOf } from './fs-errors.ts';
import type { MboxSnapshot } from './mbox-reader.ts';
import { SNAPSHOT_HASH } from './mbox-reader.ts';
import type { CommitOptions } from './types.ts';

/**
 * File systems keep mtime in coarse ticks (jiffies, or whole seconds): a change within the same tick as
 * the last write before we opened the file leaves mtime unchanged. Like git's "racily clean" rule, an
 * unchanged mtime only proves the content unchanged when it was this much older than our open.
 */
export const MTIME_TRUST_MARGIN_MS = 2_000;

/** Copy size while verifying or rewriting. */
export const REWRITE_CHUNK_BYTES = 1024 * 1024;

export interface ByteRange {
  start: number;
  end: number;
}

export interface MboxCommitResult {
  removed: number;
  action: 'none' | 'truncated' | 'rewritten';
}

/**
 * Removes `ranges` (entries found by `scanMbox`, described by `snap`) from the mbox at `path`.
 *
 * Guarantee, for writers that honour the dot-lock (procmail, Postfix local(8), mutt, Dovecot with
 * dotlock): nothing but the chosen entries is ever lost. Under the lock, the bytes we read must be
 * unchanged (same inode, size and old-enough mtime, or else the same hash of [0, hashedEnd)); mail
 * appended after we read is kept; if the last chosen entry ran to the end of the file and the file has grown by something
 * other than a new `From ` line (the message was still being written), nothing is changed. Failing
 * checks raise ERR_MAILBOX_CHANGED and leave the file untouched. When only a tail is dropped the file
 * is truncated in place (same inode, owner and mode: works in a mail spool we may not create files
 * in); otherwise the result is written to a temporary file beside it, synced and renamed over it.
 *
 * Writers that only use fcntl/flock locks are not excluded (Node cannot take those locks): the window
 * is the time between the check and the truncate/rename, and growth seen just before the rename is copied.
 */
export async function commitMboxRemovals(
  path: string,
  snap: MboxSnapshot,
  ranges: ByteRange[],
  opts: CommitOptions = {},
): Promise<MboxCommitResult> {
  if (ranges.length === 0) return { removed: 0, action: 'none' };
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  for (let i = 0; i < sorted.length; i++) {
    const r = sorted[i];
    if (r.start < 0 || r.end <= r.start || r.end > snap.hashedEnd || (i > 0 && r.start < sorted[i - 1].end)) {
      throw new WinnowError('ERR_INVALID_ARGUMENT', `bad mbox removal range ${r.start}-${r.end} for ${path}`);
    }
  }
  const lock = await acquireDotlock(path, { timeoutMs: opts.lockTimeoutMs, staleMs: opts.lockStaleMs });
  try {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r+');
    } catch (err) {
      const code = errnoOf(err) === 'ENOENT' ? 'ERR_MAILBOX_CHANGED' : 'ERR_MAILBOX_UNREADABLE';
      throw new WinnowError(code, `cannot open ${path} for writing to remove messages: ${(err as Error).message}`, {
        cause: err,
      });
    }
    try {
      const st = await fh.stat();
      await verifyUnchanged(fh, path, snap, st);
      const last = sorted[sorted.length - 1];
      if (last.end === snap.readEnd && st.size > snap.readEnd) await verifyNewEntryFollows(fh, path, snap.readEnd);
      const kept = complement(sorted, st.size);
      if (kept.length === 0 || (kept.length === 1 && kept[0].start === 0)) {
        await fh.truncate(kept.length === 0 ? 0 : kept[0].end);
        await fh.sync();
        return { removed: sorted.length, action: 'truncated' };
      }
      await rewriteVia(fh, path, kept, st.size, st.mode, st.uid, st.gid);
      return { removed: sorted.length, action: 'rewritten' };
    } finally {
      await fh.close();
    }
  } finally {
    await lock.release();
  }
}

function changed(path: string, why: string): WinnowError {
  return new WinnowError(
    'ERR_MAILBOX_CHANGED',
    `${path} ${why} since it was read; no message was removed (read it again and retry)`,
  );
}

async function verifyUnchanged(
  fh: FileHandle,
  path: string,
  snap: MboxSnapshot,
  st: { ino: number; size: number; mtimeMs: number },
): Promise<void> {
  if (st.size < snap.hashedEnd) throw changed(path, 'shrank');
  const mtimeTrusted = snap.mtimeMs < snap.openedAtMs - MTIME_TRUST_MARGIN_MS;
  if (mtimeTrusted && st.ino === snap.ino && st.size === snap.readEnd && st.mtimeMs === snap.mtimeMs) return;
  const hash = createHash(SNAPSHOT_HASH);
  const buf = Buffer.allocUnsafe(REWRITE_CHUNK_BYTES);
  for (let pos = 0; pos < snap.hashedEnd; ) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, snap.hashedEnd - pos), pos);
    if (bytesRead === 0) throw changed(path, 'shrank');
    hash.update(buf.subarray(0, bytesRead));
    pos += bytesRead;
  }
  if (hash.digest('hex') !== snap.hash.copy().digest('hex')) throw changed(path, 'was modified (not only appended to)');
}

/** Growth after a removed last entry must start a new entry, else that entry was still being written. */
async function verifyNewEntryFollows(fh: FileHandle, path: string, at: number): Promise<void> {
  const buf = Buffer.alloc(8);
  const { bytesRead } = await fh.read(buf, 0, buf.length, at);
  const head = buf.toString('latin1', 0, bytesRead);
  if (!/^(\r?\n)?From /.test(head)) throw changed(path, 'grew in the middle of its last message');
}

function complement(sorted: ByteRange[], size: number): ByteRange[] {
  const kept: ByteRange[] = [];
  let pos = 0;
  for (const r of sorted) {
    if (r.start > pos) kept.push({ start: pos, end: r.start });
    pos = r.end;
  }
  if (pos < size) kept.push({ start: pos, end: size });
  return kept;
}

async function copyRange(from: FileHandle, to: FileHandle, start: number, end: number, buf: Buffer): Promise<void> {
  for (let pos = start; pos < end; ) {
    const { bytesRead } = await from.read(buf, 0, Math.min(buf.length, end - pos), pos);
    if (bytesRead === 0) throw new Error(`unexpected end of file at offset ${pos}`);
    await to.write(buf, 0, bytesRead);
    pos += bytesRead;
  }
}

async function rewriteVia(
  fh: FileHandle,
  path: string,
  kept: ByteRange[],
  size: number,
  mode: number,
  uid: number,
  gid: number,
): Promise<void> {
  const tmpPath = join(dirname(path), `.${basename(path)}.winnow-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  let tmp: FileHandle;
  try {
    tmp = await open(tmpPath, 'wx', mode & 0o7777);
  } catch (err) {
    throw new WinnowError(
      'ERR_MAILBOX_UNREADABLE',
      `cannot create a temporary file beside ${path} to rewrite it: ${(err as Error).message}`,
      { cause: err },
    );
  }
  let renamed = false;
  try {
    const buf = Buffer.allocUnsafe(REWRITE_CHUNK_BYTES);
    for (const r of kept) await copyRange(fh, tmp, r.start, r.end, buf);
    // A writer that ignores the dot-lock may still have appended: copy that too before switching files.
    for (let end = size, now = (await fh.stat()).size; now > end; end = now, now = (await fh.stat()).size) {
      await copyRange(fh, tmp, end, now, buf);
    }
    await tmp.chmod(mode & 0o7777);
    await tmp.chown(uid, gid).catch(() => {});
    await tmp.sync();
    await tmp.close();
    await rename(tmpPath, path);
    renamed = true;
    await syncDir(dirname(path));
  } finally {
    if (!renamed) {
      await tmp.close().catch(() => {});
      await unlink(tmpPath).catch(() => {});
    }
  }
}

async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself is still atomic.
  } finally {
    await d.close();
  }
}
