// Tests for reading Maildir, MH, plain folders and files through one reader: order, skipping, damage, removal, errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isWinnowError } from '../errors.ts';
import type { ErrorCode } from '../errors.ts';
import { countMessages, readMessages } from './read-messages.ts';
import type { DamageReport } from './types.ts';
import { collect, tempDir, writeTree } from './test-helpers.ts';

const msg = (n: string): string => `Subject: ${n}\n\nbody ${n}\n`;

test('Maildir: cur/ and new/ by file name, tmp/ and dotfiles skipped', async (t) => {
  const md = join(await tempDir(t), 'Maildir');
  await writeTree(md, {
    'cur/1000.a.host:2,S': msg('a'),
    'new/1001.b.host': msg('b'),
    'cur/1002.c.host:2,': msg('c'),
    'tmp/1003.d.host': msg('in delivery'),
    'new/.hidden': msg('hidden'),
    'cur/.1004.e.host': msg('hidden too'),
  });
  await mkdir(join(md, '.Sub', 'cur'), { recursive: true });
  const got = await collect(readMessages(md));
  assert.deepEqual(got.texts, [msg('a'), msg('b'), msg('c')]);
  assert.deepEqual(got.sources, [join(md, 'cur/1000.a.host:2,S'), join(md, 'new/1001.b.host'), join(md, 'cur/1002.c.host:2,')]);
  assert.equal(await countMessages(md), 3);
});

test('MH: numeric order, gaps, ,N deleted files and .mh_sequences ignored', async (t) => {
  const mh = join(await tempDir(t), 'inbox');
  await writeTree(mh, { '10': msg('10'), '2': msg('2'), '7': msg('7'), ',3': msg('deleted'), '.mh_sequences': 'unseen: 7\n', 'README': 'x' });
  const reader = readMessages(mh);
  const got = await collect(reader);
  assert.equal(reader.kind, 'mh');
  assert.deepEqual(got.texts, [msg('2'), msg('7'), msg('10')]);
  assert.equal(await countMessages(mh), 3);
});

test('plain folder: every visible file, sorted; subfolders not entered', async (t) => {
  const dir = join(await tempDir(t), 'spam');
  await writeTree(dir, { 'b.eml': msg('b'), 'a.eml': msg('a'), '.DS_Store': 'x', 'sub/c.eml': msg('c') });
  const got = await collect(readMessages(dir));
  assert.deepEqual(got.sources, [join(dir, 'a.eml'), join(dir, 'b.eml')]);
  assert.equal(await countMessages(dir), 2);
});

test('plain file: one message, bytes exactly as stored', async (t) => {
  const file = join(await tempDir(t), 'one.eml');
  await writeFile(file, msg('x'));
  const got = await collect(readMessages(file));
  assert.deepEqual(got, { sources: [file], texts: [msg('x')] });
  assert.equal(await countMessages(file), 1);
});

test('mbox: numbered sources, envelope lines, mboxrd quoting undone, count', async (t) => {
  const box = join(await tempDir(t), 'box');
  await writeFile(box, 'From a@x Thu Aug 22 13:17:22 2002\nSubject: 1\n\n>From me\n\nFrom b@x Thu Aug 22 13:17:23 2002\nSubject: 2\n\nb\n\n');
  const out: [string, string | undefined, string][] = [];
  const reader = readMessages(box);
  for await (const m of reader) out.push([m.source, m.envelopeFrom, Buffer.from(m.bytes).toString()]);
  assert.equal(reader.kind, 'mbox');
  assert.deepEqual(out, [
    [`mbox:${box}#1`, 'From a@x Thu Aug 22 13:17:22 2002', 'Subject: 1\n\nFrom me\n'],
    [`mbox:${box}#2`, 'From b@x Thu Aug 22 13:17:23 2002', 'Subject: 2\n\nb\n'],
  ]);
  assert.equal(await countMessages(box), 2);
});

test('remove() unlinks on every one-file-per-message kind', async (t) => {
  const root = await tempDir(t);
  await writeTree(root, {
    'md/new/1.x': msg('1'),
    'md/cur/2.x:2,S': msg('2'),
    'mh/1': msg('1'),
    'mh/4': msg('4'),
    'dir/a.eml': msg('a'),
    'file.eml': msg('f'),
  });
  for (const target of ['md', 'mh', 'dir', 'file.eml']) {
    const reader = readMessages(join(root, target));
    for await (const m of reader) await m.remove();
    assert.equal((await reader.commitRemovals()).removed, target === 'file.eml' || target === 'dir' ? 1 : 2, target);
  }
  assert.deepEqual((await readdir(root, { recursive: true })).sort(), ['dir', 'md', 'md/cur', 'md/new', 'mh']);
});

test('Maildir: a message a mail client moved to cur/ meanwhile is still read and removed', async (t) => {
  const md = join(await tempDir(t), 'Maildir');
  await writeTree(md, { 'new/1.a.host': msg('a'), 'new/2.b.host': msg('b') });
  await mkdir(join(md, 'cur'));
  const reader = readMessages(md);
  const texts: string[] = [];
  for await (const m of reader) {
    texts.push(Buffer.from(m.bytes).toString());
    // While we handle the first message, the client marks both seen.
    if (texts.length === 1) {
      await rename(join(md, 'new/1.a.host'), join(md, 'cur/1.a.host:2,S'));
      await rename(join(md, 'new/2.b.host'), join(md, 'cur/2.b.host:2,S'));
    }
  }
  assert.deepEqual(texts, [msg('a'), msg('b')]);
  assert.deepEqual(reader.damage, []);
  const res = await reader.removeAllRead();
  assert.equal(res.removed, 2);
  assert.deepEqual(await readdir(join(md, 'cur')), []);
});

test('a file over the size limit is reported and skipped; the rest is read', async (t) => {
  const dir = join(await tempDir(t), 'd');
  await writeTree(dir, { '1.eml': msg('1'), '2.eml': `Subject: big\n\n${'x'.repeat(500)}\n`, '3.eml': msg('3') });
  const seen: DamageReport[] = [];
  const reader = readMessages(dir, { maxMessageBytes: 100, onDamage: (r) => seen.push(r) });
  const got = await collect(reader);
  assert.deepEqual(got.texts, [msg('1'), msg('3')]);
  assert.equal(seen.length, 1);
  assert.equal(seen[0].kind, 'too-large');
  assert.equal(seen[0].source, join(dir, '2.eml'));
  assert.match(seen[0].message, /100-byte limit/);
  assert.deepEqual(reader.damage, seen);
});

test('a file that vanishes while the folder is read is reported, not fatal', async (t) => {
  const dir = join(await tempDir(t), 'd');
  await writeTree(dir, { '1.eml': msg('1'), '2.eml': msg('2') });
  const reader = readMessages(dir);
  const texts: string[] = [];
  for await (const m of reader) {
    texts.push(Buffer.from(m.bytes).toString());
    await rename(join(dir, '2.eml'), join(dir, '.gone')).catch(() => {});
  }
  assert.deepEqual(texts, [msg('1')]);
  assert.deepEqual(reader.damage.map((d) => [d.kind, d.source]), [['unreadable', join(dir, '2.eml')]]);
});

async function expectCode(path: string, code: ErrorCode): Promise<void> {
  let yielded = 0;
  await assert.rejects(
    (async () => {
      for await (const _ of readMessages(path)) yielded++;
    })(),
    (err: unknown) => isWinnowError(err, code) && err.message.includes(path),
  );
  assert.equal(yielded, 0);
}

test('empty Maildir, MH folder, plain folder and mbox are ERR_MAILBOX_EMPTY', async (t) => {
  const root = await tempDir(t);
  await writeTree(root, { 'mh/.mh_sequences': '', 'mh/,1': msg('deleted'), 'md/tmp/1.x': msg('in delivery'), 'box': '' });
  await mkdir(join(root, 'md', 'cur'));
  await mkdir(join(root, 'dir'));
  for (const p of ['md', 'mh', 'dir', 'box']) await expectCode(join(root, p), 'ERR_MAILBOX_EMPTY');
  assert.equal(await countMessages(join(root, 'md')), 0);
  assert.equal(await countMessages(join(root, 'box')), 0);
});

test('a missing path is ERR_MAILBOX_NOT_FOUND from the first step, also when the kind is given', async (t) => {
  const missing = join(await tempDir(t), 'nope');
  await expectCode(missing, 'ERR_MAILBOX_NOT_FOUND');
  await assert.rejects(collect(readMessages(missing, { kind: 'maildir' })), (err: unknown) => isWinnowError(err, 'ERR_MAILBOX_NOT_FOUND'));
  await assert.rejects(countMessages(missing, { kind: 'mbox' }), (err: unknown) => isWinnowError(err, 'ERR_MAILBOX_NOT_FOUND'));
});

test('a reader iterates only once', async (t) => {
  const file = join(await tempDir(t), 'one.eml');
  await writeFile(file, msg('x'));
  const reader = readMessages(file);
  await collect(reader);
  assert.throws(() => reader[Symbol.asyncIterator](), (err: unknown) => isWinnowError(err, 'ERR_INVALID_ARGUMENT'));
});
