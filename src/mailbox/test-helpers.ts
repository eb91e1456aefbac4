// Test-only helpers for the mailbox tests: temporary folders and collecting a reader's output.
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import type { MailboxReader } from './read-messages.ts';

/** A fresh temporary folder, removed when the test ends. */
export async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'winnow-mailbox-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `files` (relative path → content) under `root`, creating folders. */
export async function writeTree(root: string, files: Record<string, string | Uint8Array>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const p = join(root, rel);
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, content);
  }
}

export interface Collected {
  sources: string[];
  texts: string[];
}

export async function collect(reader: MailboxReader): Promise<Collected> {
  const out: Collected = { sources: [], texts: [] };
  for await (const m of reader) {
    out.sources.push(m.source);
    out.texts.push(Buffer.from(m.bytes).toString('latin1'));
  }
  return out;
}
