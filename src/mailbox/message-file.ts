// Reads one message stored as one file (plain file, Maildir, MH or folder entry), bounded by the message size limit.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { errnoOf } from './fs-errors.ts';

export type FileReadResult =
  | { ok: true; bytes: Uint8Array }
  | { ok: false; problem: 'gone' | 'too-large' | 'unreadable'; size?: number; detail: string };

/**
 * Checks the size on the open descriptor before reading, so an oversized file is never loaded.
 * Synchronous on purpose: a message file is small and local, and the promise API's four thread-pool round
 * trips per file cost more than the read itself (1,825 corpus files: ~150 ms async, ~22 ms sync).
 */
export async function readMessageFile(path: string, maxBytes: number): Promise<FileReadResult> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOENT') return { ok: false, problem: 'gone', detail: 'it disappeared while the folder was read' };
    return { ok: false, problem: 'unreadable', detail: (err as Error).message };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { ok: false, problem: 'unreadable', detail: 'not a regular file' };
    if (st.size > maxBytes) return { ok: false, problem: 'too-large', size: st.size, detail: `${st.size} bytes` };
    const bytes = new Uint8Array(st.size);
    let at = 0;
    while (at < st.size) {
      const bytesRead = readSync(fd, bytes, at, st.size - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return { ok: true, bytes: at === st.size ? bytes : bytes.subarray(0, at) };
  } catch (err) {
    return { ok: false, problem: 'unreadable', detail: (err as Error).message };
  } finally {
    closeSync(fd);
  }
}
