// Tests for mbox dot-locking: exclusive create, waiting, timeout error, stale-lock breaking, safe release.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, utimes, writeFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isWinnowError } from '../errors.ts';
import { acquireDotlock } from './dotlock.ts';
import { tempDir } from './test-helpers.ts';

test('acquire creates <mbox>.lock holding our pid; release removes it', async (t) => {
  const mbox = join(await tempDir(t), 'inbox');
  const lock = await acquireDotlock(mbox);
  assert.equal(lock.lockPath, `${mbox}.lock`);
  assert.equal(await readFile(lock.lockPath, 'utf8'), `${process.pid}\n`);
  assert.equal(lock.brokeStale, false);
  await lock.release();
  await assert.rejects(stat(lock.lockPath), { code: 'ENOENT' });
});

test('a second taker waits until the lock is released', async (t) => {
  const mbox = join(await tempDir(t), 'inbox');
  const first = await acquireDotlock(mbox);
  let secondGot = false;
  const second = acquireDotlock(mbox, { timeoutMs: 5_000 }).then((l) => {
    secondGot = true;
    return l;
  });
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(secondGot, false);
  await first.release();
  const l2 = await second;
  assert.equal(secondGot, true);
  await l2.release();
});

test('a lock held by someone else fails with ERR_MAILBOX_LOCKED after the timeout', async (t) => {
  const mbox = join(await tempDir(t), 'inbox');
  await writeFile(`${mbox}.lock`, '4242\n');
  const began = Date.now();
  await assert.rejects(acquireDotlock(mbox, { timeoutMs: 200 }), (err: unknown) => {
    assert.ok(isWinnowError(err, 'ERR_MAILBOX_LOCKED'));
    assert.match(err.message, /inbox\.lock/);
    assert.match(err.message, /pid 4242/);
    return true;
  });
  assert.ok(Date.now() - began >= 190);
  assert.equal(await readFile(`${mbox}.lock`, 'utf8'), '4242\n', 'the foreign lock is left alone');
});

test('a stale lock is broken', async (t) => {
  const mbox = join(await tempDir(t), 'inbox');
  await writeFile(`${mbox}.lock`, '4242\n');
  const old = new Date(Date.now() - 10 * 60_000);
  await utimes(`${mbox}.lock`, old, old);
  const lock = await acquireDotlock(mbox, { timeoutMs: 100, staleMs: 60_000 });
  assert.equal(lock.brokeStale, true);
  assert.equal(await readFile(`${mbox}.lock`, 'utf8'), `${process.pid}\n`);
  await lock.release();
});

test('release leaves a lock that is no longer ours', async (t) => {
  const mbox = join(await tempDir(t), 'inbox');
  const lock = await acquireDotlock(mbox);
  // Someone judged ours stale, broke it and took the lock themselves.
  await unlink(lock.lockPath);
  await writeFile(lock.lockPath, '4242\n');
  await lock.release();
  assert.equal(await readFile(lock.lockPath, 'utf8'), '4242\n');
});

test('a folder we cannot create the lock in is a clear error', async (t) => {
  const mbox = join(await tempDir(t), 'missing-dir', 'inbox');
  await assert.rejects(acquireDotlock(mbox, { timeoutMs: 100 }), (err: unknown) => {
    assert.ok(isWinnowError(err, 'ERR_MAILBOX_LOCKED'));
    assert.match(err.message, /cannot create lock file/);
    return true;
  });
});

test('a held lock is kept fresh so others do not judge it stale', async (t) => {
  const mbox = join(await tempDir(t), 'inbox');
  const lock = await acquireDotlock(mbox, { staleMs: 600 });
  const old = new Date(Date.now() - 60_000);
  await utimes(lock.lockPath, old, old);
  await new Promise((r) => setTimeout(r, 450));
  assert.ok(Date.now() - (await stat(lock.lockPath)).mtimeMs < 600);
  await lock.release();
});
