// Decides whether a path is one message file, an mbox (RFC 4155), a Maildir, an MH folder or a plain folder of message files.
import { open, readdir, stat } from 'node:fs/promises';
import { WinnowError } from '../errors.ts';
import { MH_MESSAGE } from './folders.ts';
import { mailboxFsError } from './fs-errors.ts';
import type { MailboxSource } from './types.ts';

/** How much of a file we look at to tell an mbox from a single message. */
export const DETECT_PROBE_BYTES = 64 * 1024;

/** A plausible envelope line (`From sender Www Mmm dd hh:mm...`): stricter than the splitting rule, for guessing only. */
const ENVELOPE_LINE = /^From \S+ +[A-Z][a-z]{2} [A-Z][a-z]{2} +\d{1,2} \d{1,2}:\d{2}/;
/** A header field name and colon (RFC 5322 §2.2; obsolete syntax allows blanks before the colon). */
const HEADER_LINE = /^[\x21-\x39\x3b-\x7e]+[ \t]*:/;
/** nmh marks a deleted message by renaming it `,N` (or `#N` with some backup-prefix settings). */
const MH_DELETED = /^[,#]\d+$/;

export async function detectSource(path: string): Promise<MailboxSource> {
  let st;
  try {
    st = await stat(path);
  } catch (err) {
    throw mailboxFsError(path, err);
  }
  if (st.isDirectory()) return { kind: await detectFolder(path), path };
  if (!st.isFile()) {
    throw new WinnowError('ERR_MAILBOX_UNREADABLE', `${path} is neither a regular file nor a folder`);
  }
  // An emptied mbox (our own --remove-after leaves one) must read as an empty mailbox, not an empty message.
  if (st.size === 0) return { kind: 'mbox', path };
  return { kind: looksLikeMbox(await readProbe(path)) ? 'mbox' : 'file', path };
}

async function detectFolder(path: string): Promise<'maildir' | 'mh' | 'directory'> {
  let entries;
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch (err) {
    throw mailboxFsError(path, err);
  }
  if (entries.some((e) => e.isDirectory() && (e.name === 'cur' || e.name === 'new'))) return 'maildir';
  if (entries.some((e) => e.name === '.mh_sequences')) return 'mh';
  const files = entries.filter((e) => !e.name.startsWith('.') && !e.isDirectory()).map((e) => e.name);
  if (files.some((n) => MH_MESSAGE.test(n)) && files.every((n) => MH_MESSAGE.test(n) || MH_DELETED.test(n))) return 'mh';
  return 'directory';
}

async function readProbe(path: string): Promise<string> {
  let fh;
  try {
    fh = await open(path, 'r');
    const buf = Buffer.alloc(DETECT_PROBE_BYTES);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.toString('latin1', 0, bytesRead);
  } catch (err) {
    throw mailboxFsError(path, err);
  } finally {
    await fh?.close();
  }
}

/**
 * A file is an mbox when its first line is a `From ` line. A file whose first line is neither that nor
 * a header field is not a valid message either; if an envelope line follows a blank line further on,
 * it is an mbox with a damaged start, and the reader will report the leading garbage.
 */
export function looksLikeMbox(probe: string): boolean {
  if (probe.startsWith('From ')) return true;
  const nl = probe.indexOf('\n');
  const firstLine = nl < 0 ? probe : probe.slice(0, nl);
  if (HEADER_LINE.test(firstLine)) return false;
  const sep = /\r?\n\r?\n(?=From )/g;
  for (let m = sep.exec(probe); m !== null; m = sep.exec(probe)) {
    if (ENVELOPE_LINE.test(probe.slice(m.index + m[0].length, m.index + m[0].length + 200))) return true;
  }
  return false;
}
