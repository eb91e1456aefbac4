// Tests for removing read messages from an mbox: truncation, rewrite, mail appended meanwhile, refused changes, locking.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, chmod, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isWinnowError } from '../errors.ts';
import { readMessages } from './read-messages.ts';
import { collect, tempDir } from './test-helpers.ts';

const entry = (n: number): string => `From sender${n}@example.org Thu Aug 22 13:17:2${n % 10} 2002\nSubject: m${n}\n\nbody ${n}\n\n`;
const body = (n: number): string => `Subject: m${n}\n\nbody ${n}\n`;

async function mbox(t: import('node:test').TestContext, text: string): Promise<string> {
  const path = join(await tempDir(t), 'spam.mbox');
  await writeFile(path, text);
  return path;
}

test('removing everything read truncates the mbox in place (same inode, same mode)', async (t) => {
  const path = await mbox(t, entry(1) + entry(2) + entry(3));
  await chmod(path, 0o600);
  const before = await stat(path);
  const reader = readMessages(path);
  const got = await collect(reader);
  assert.deepEqual(got.sources, [1, 2, 3].map((n) => `mbox:${path}#${n}`));
  assert.deepEqual(await reader.removeAllRead(), { removed: 3, mboxAction: 'truncated' });
  const after = await stat(path);
  assert.equal(after.size, 0);
  assert.equal(after.ino, before.ino);
  assert.equal(after.mode & 0o777, 0o600);
  await assert.rejects(stat(`${path}.lock`), { code: 'ENOENT' });
});

test('removing some messages keeps the others byte for byte', async (t) => {
  const path = await mbox(t, entry(1) + entry(2) + entry(3) + entry(4));
  await chmod(path, 0o640);
  const reader = readMessages(path);
  for await (const m of reader) if (m.source.endsWith('#2') || m.source.endsWith('#4')) await m.remove();
  assert.deepEqual(await reader.commitRemovals(), { removed: 2, mboxAction: 'rewritten' });
  assert.equal(await readFile(path, 'utf8'), entry(1) + entry(3));
  assert.equal((await stat(path)).mode & 0o777, 0o640);
  assert.deepEqual(await readdir(dirname(path)), ['spam.mbox'], 'no temporary file or lock left behind');
  assert.deepEqual((await collect(readMessages(path))).texts, [body(1), body(3)]);
});

test('removing only trailing messages truncates instead of copying', async (t) => {
  const path = await mbox(t, entry(1) + entry(2) + entry(3));
  const reader = readMessages(path);
  for await (const m of reader) if (!m.source.endsWith('#1')) await m.remove();
  assert.deepEqual(await reader.commitRemovals(), { removed: 2, mboxAction: 'truncated' });
  assert.equal(await readFile(path, 'utf8'), entry(1));
});

test('a message appended while we were reading survives removal of everything read', async (t) => {
  const path = await mbox(t, entry(1) + entry(2));
  const reader = readMessages(path, { chunkBytes: 16 });
  let first = true;
  for await (const m of reader) {
    if (first) await appendFile(path, entry(3)); // procmail delivers meanwhile
    first = false;
    assert.notEqual(m.source, `mbox:${path}#3`);
  }
  assert.equal(reader.messagesRead, 2);
  assert.deepEqual(await reader.removeAllRead(), { removed: 2, mboxAction: 'rewritten' });
  assert.equal(await readFile(path, 'utf8'), entry(3));
});

test('a message appended after reading, before the commit, survives too', async (t) => {
  const path = await mbox(t, entry(1) + entry(2));
  const reader = readMessages(path);
  await collect(reader);
  await appendFile(path, entry(3) + entry(4));
  await reader.removeAllRead();
  assert.equal(await readFile(path, 'utf8'), entry(3) + entry(4));
});

test('an mbox modified (not appended to) since reading is left untouched', async (t) => {
  const path = await mbox(t, entry(1) + entry(2));
  const reader = readMessages(path);
  await collect(reader);
  const edited = entry(1).replace('body 1', 'BODY 1') + entry(2);
  await writeFile(path, edited);
  await assert.rejects(reader.removeAllRead(), (err: unknown) => isWinnowError(err, 'ERR_MAILBOX_CHANGED') && /modified/.test(err.message));
  assert.equal(await readFile(path, 'utf8'), edited);
  await assert.rejects(stat(`${path}.lock`), { code: 'ENOENT' });
});

test('an mbox whose last message was still being written is left untouched', async (t) => {
  const text = `${entry(1)}From x@example.org Thu Aug 22 13:17:22 2002\nSubject: half\n\nfirst line\n`;
  const path = await mbox(t, text);
  const reader = readMessages(path);
  assert.equal((await collect(reader)).texts.length, 2);
  await appendFile(path, 'second line of the same message\n\n');
  await assert.rejects(
    reader.removeAllRead(),
    (err: unknown) => isWinnowError(err, 'ERR_MAILBOX_CHANGED') && /middle of its last message/.test(err.message),
  );
  assert.equal(await readFile(path, 'utf8'), `${text}second line of the same message\n\n`);
});

test('damaged parts are never removed: garbage start, oversized and truncated entries stay', async (t) => {
  const garbage = 'garbage line\n\n';
  const big = `From big@example.org Thu Aug 22 13:17:22 2002\nSubject: big\n\n${'x'.repeat(300)}\n\n`;
  const cut = 'From cut@example.org Thu Aug 22 13:17:22 2002\nSubject: cut\n\nhalf a li';
  const path = await mbox(t, garbage + entry(1) + big + entry(2) + cut);
  const kinds: string[] = [];
  const reader = readMessages(path, { kind: 'mbox', maxMessageBytes: 200, onDamage: (r) => kinds.push(r.kind) });
  const got = await collect(reader);
  assert.deepEqual(got.texts, [body(1), body(2)]);
  assert.deepEqual(kinds, ['garbage-start', 'too-large', 'truncated']);
  assert.deepEqual(reader.damage.map((d) => d.source), [`mbox:${path}`, `mbox:${path}#2`, `mbox:${path}#4`]);
  await reader.removeAllRead();
  assert.equal(await readFile(path, 'utf8'), garbage + big + cut);
});

test('breaking out early removes only what was yielded and keeps the rest', async (t) => {
  const path = await mbox(t, entry(1) + entry(2) + entry(3));
  const reader = readMessages(path, { chunkBytes: 8 });
  for await (const m of reader) {
    await m.remove();
    break;
  }
  await reader.commitRemovals();
  assert.equal(await readFile(path, 'utf8'), entry(2) + entry(3));
});

test('commit refuses while iterating, and removals after a commit are refused', async (t) => {
  const path = await mbox(t, entry(1) + entry(2));
  const reader = readMessages(path);
  for await (const m of reader) {
    await assert.rejects(reader.commitRemovals(), (err: unknown) => isWinnowError(err, 'ERR_INVALID_ARGUMENT'));
    await m.remove();
  }
  await reader.commitRemovals();
  assert.equal(await readFile(path, 'utf8'), '');
  await assert.rejects(reader.removeAllRead(), (err: unknown) => isWinnowError(err, 'ERR_INVALID_ARGUMENT'));
});

test('a lock held by a delivery agent makes the commit fail after the timeout, file untouched', async (t) => {
  const text = entry(1) + entry(2);
  const path = await mbox(t, text);
  const reader = readMessages(path);
  await collect(reader);
  await writeFile(`${path}.lock`, '');
  await assert.rejects(reader.removeAllRead({ lockTimeoutMs: 150 }), (err: unknown) => isWinnowError(err, 'ERR_MAILBOX_LOCKED'));
  assert.equal(await readFile(path, 'utf8'), text);
  assert.equal(await readFile(`${path}.lock`, 'utf8'), '');
});

test('a stale lock is broken and the commit goes ahead', async (t) => {
  const path = await mbox(t, entry(1) + entry(2));
  const reader = readMessages(path);
  await collect(reader);
  await writeFile(`${path}.lock`, '');
  const old = new Date(Date.now() - 3_600_000);
  await utimes(`${path}.lock`, old, old);
  assert.equal((await reader.removeAllRead({ lockTimeoutMs: 150, lockStaleMs: 60_000 })).removed, 2);
  assert.equal(await readFile(path, 'utf8'), '');
  await assert.rejects(stat(`${path}.lock`), { code: 'ENOENT' });
});

test('CRLF mbox: removing the middle message keeps the separators intact', async (t) => {
  const e = (n: number): string => `From s${n}@example.org Thu Aug 22 13:17:22 2002\r\nSubject: m${n}\r\n\r\nb${n}\r\n\r\n`;
  const path = await mbox(t, e(1) + e(2) + e(3));
  const reader = readMessages(path);
  for await (const m of reader) if (m.source.endsWith('#2')) await m.remove();
  await reader.commitRemovals();
  assert.equal(await readFile(path, 'utf8'), e(1) + e(3));
  assert.deepEqual((await collect(readMessages(path))).texts, ['Subject: m1\r\n\r\nb1\r\n', 'Subject: m3\r\n\r\nb3\r\n']);
});

test('an mbox that shrank since reading is left untouched', async (t) => {
  const path = await mbox(t, entry(1) + entry(2));
  const reader = readMessages(path);
  await collect(reader);
  await writeFile(path, entry(2));
  await assert.rejects(reader.removeAllRead(), (err: unknown) => isWinnowError(err, 'ERR_MAILBOX_CHANGED') && /shrank/.test(err.message));
  assert.equal(await readFile(path, 'utf8'), entry(2));
});
