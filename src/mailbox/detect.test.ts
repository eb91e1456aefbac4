// Table-driven tests for telling files, mboxes, Maildirs, MH folders and plain folders apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isWinnowError } from '../errors.ts';
import { detectSource, looksLikeMbox } from './detect.ts';
import type { MailboxKind } from './types.ts';
import { tempDir, writeTree } from './test-helpers.ts';

const ENV = 'From alice@example.org Thu Aug 22 13:17:22 2002\n';
const MSG = 'Subject: hi\n\nbody\n';

const cases: { name: string; tree: Record<string, string>; dirs?: string[]; target: string; kind: MailboxKind }[] = [
  { name: 'Maildir with cur/new/tmp', tree: { 'md/cur/1.a:2,S': MSG }, dirs: ['md/new', 'md/tmp'], target: 'md', kind: 'maildir' },
  { name: 'Maildir with only new/', tree: {}, dirs: ['md/new'], target: 'md', kind: 'maildir' },
  { name: 'MH folder with numbered files', tree: { 'mh/1': MSG, 'mh/7': MSG, 'mh/,3': MSG }, target: 'mh', kind: 'mh' },
  { name: 'MH folder with only .mh_sequences', tree: { 'mh/.mh_sequences': 'unseen: 1\n' }, target: 'mh', kind: 'mh' },
  { name: 'folder of .eml files', tree: { 'd/a.eml': MSG, 'd/b.eml': MSG }, target: 'd', kind: 'directory' },
  { name: 'numbered files mixed with other names', tree: { 'd/1': MSG, 'd/notes.txt': MSG }, target: 'd', kind: 'directory' },
  { name: 'empty folder', tree: {}, dirs: ['d'], target: 'd', kind: 'directory' },
  { name: 'mbox', tree: { 'box': `${ENV}${MSG}\n${ENV}${MSG}\n` }, target: 'box', kind: 'mbox' },
  { name: 'single message file', tree: { 'm.eml': MSG }, target: 'm.eml', kind: 'file' },
  { name: 'empty file is an empty mbox', tree: { 'box': '' }, target: 'box', kind: 'mbox' },
  { name: 'mbox with a damaged start', tree: { 'box': `\u0000\u0000junk\n\n${ENV}${MSG}\n` }, target: 'box', kind: 'mbox' },
  {
    name: 'message quoting an envelope line stays a message',
    tree: { 'm.eml': `Subject: see below\n\n${ENV}${MSG}` },
    target: 'm.eml',
    kind: 'file',
  },
];

for (const c of cases) {
  test(`detectSource: ${c.name}`, async (t) => {
    const root = await tempDir(t);
    await writeTree(root, c.tree);
    for (const d of c.dirs ?? []) await mkdir(join(root, d), { recursive: true });
    assert.deepEqual(await detectSource(join(root, c.target)), { kind: c.kind, path: join(root, c.target) });
  });
}

test('detectSource: a missing path is ERR_MAILBOX_NOT_FOUND', async (t) => {
  const root = await tempDir(t);
  await writeTree(root, { 'file': MSG });
  for (const p of [join(root, 'nope'), join(root, 'file', 'below-a-file')]) {
    await assert.rejects(detectSource(p), (err: unknown) => isWinnowError(err, 'ERR_MAILBOX_NOT_FOUND') && err.message.includes(p));
  }
});

test('detectSource: a FIFO is ERR_MAILBOX_UNREADABLE', async (t) => {
  const fifo = join(await tempDir(t), 'fifo');
  execFileSync('mkfifo', [fifo]);
  await assert.rejects(detectSource(fifo), (err: unknown) => isWinnowError(err, 'ERR_MAILBOX_UNREADABLE'));
});

test('looksLikeMbox needs a plausible envelope line after a blank line when the start is damaged', () => {
  assert.equal(looksLikeMbox('garbage\n\nFrom the desk of the editor\n'), false);
  assert.equal(looksLikeMbox('garbage\r\n\r\nFrom a@b Mon Jan  6 01:02:03 2003\r\n'), true);
  assert.equal(looksLikeMbox('garbage\nFrom a@b Mon Jan  6 01:02:03 2003\n'), false);
});
