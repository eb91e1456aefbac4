// Lists the message files of a Maildir (cur/ + new/), an MH folder (numbered files) or a plain folder, in a stable order.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoOf, mailboxFsError } from './fs-errors.ts';

/** An MH message file name. */
export const MH_MESSAGE = /^\d+$/;

/** Files (or links to files) of `dir` whose name does not start with a dot; subfolders are not entered. */
async function fileNames(dir: string, missingOk: boolean): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (missingOk && errnoOf(err) === 'ENOENT') return [];
    throw mailboxFsError(dir, err);
  }
  return entries.filter((e) => !e.name.startsWith('.') && (e.isFile() || e.isSymbolicLink())).map((e) => e.name);
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * cur/ and new/ together, sorted by file name (Maildir names start with the delivery time, so this is
 * roughly arrival order), new/ after cur/ on a tie. tmp/ holds deliveries in progress and is skipped.
 */
export async function listMaildir(path: string): Promise<string[]> {
  const rows: { name: string; sub: string }[] = [];
  for (const sub of ['cur', 'new']) {
    for (const name of await fileNames(join(path, sub), true)) rows.push({ name, sub });
  }
  rows.sort((a, b) => byName(a.name, b.name) || byName(a.sub, b.sub));
  return rows.map((r) => join(path, r.sub, r.name));
}

/** The part of a Maildir file name that survives a mail client adding flags (`unique:2,S`). */
export function maildirUnique(fileName: string): string {
  const colon = fileName.indexOf(':');
  return colon < 0 ? fileName : fileName.slice(0, colon);
}

/**
 * Where a Maildir message is now: a mail client may have moved it from new/ to cur/ or changed its
 * flags since we listed the folder. Undefined when it is gone.
 */
export async function findMaildirEntry(maildir: string, fileName: string): Promise<string | undefined> {
  const unique = maildirUnique(fileName);
  for (const sub of ['cur', 'new']) {
    for (const name of await fileNames(join(maildir, sub), true)) {
      if (maildirUnique(name) === unique) return join(maildir, sub, name);
    }
  }
  return undefined;
}

/** Numbered files in numeric order; `,N` (deleted), `.mh_sequences` and other names are ignored. */
export async function listMh(path: string): Promise<string[]> {
  const names = (await fileNames(path, false)).filter((n) => MH_MESSAGE.test(n));
  names.sort((a, b) => Number(a) - Number(b) || byName(a, b));
  return names.map((n) => join(path, n));
}

/** Every non-hidden file, sorted by name (our corpus layout: `*.eml`). */
export async function listDirectory(path: string): Promise<string[]> {
  return (await fileNames(path, false)).sort(byName).map((n) => join(path, n));
}
