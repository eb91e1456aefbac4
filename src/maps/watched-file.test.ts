// Tests for hot reload: fs.watch and polling paths, broken reloads keep the old content, missing and optional files.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryLogger } from '../log/memory-logger.ts';
import { parseMap, type MapMatcher } from './matchers.ts';
import { FileLoadError, WatchedFile, type WatchOptions } from './watched-file.ts';

const FAST: Partial<WatchOptions> = { debounceMs: 20, pollMs: 50 };
const DEADLINE_MS = 5_000;

async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + DEADLINE_MS;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'winnow-maps-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const domains = (t: string): MapMatcher => parseMap('domain', t);
const has = (wf: WatchedFile<MapMatcher>, d: string) => wf.current.match(d).length > 0;

for (const fsWatch of [true, false]) {
  test(`reloads on change (${fsWatch ? 'fs.watch' : 'polling only'})`, async () => {
    await withDir(async (dir) => {
      const path = join(dir, 'list.map');
      await writeFile(path, 'one.example\n');
      const log = new MemoryLogger();
      const wf = await WatchedFile.open(path, domains, { log, ...FAST, fsWatch });
      try {
        assert.ok(has(wf, 'one.example'));
        await writeFile(path, 'one.example\ntwo.example\n');
        await until(() => has(wf, 'two.example'), 'second entry');
        assert.equal(wf.version, 1);
        // Atomic replace (write elsewhere, rename over): a new inode.
        await writeFile(join(dir, 'tmp'), 'three.example\n');
        await rename(join(dir, 'tmp'), path);
        await until(() => has(wf, 'three.example'), 'replaced file');
        assert.equal(has(wf, 'one.example'), false);
        assert.ok(log.records.some((r) => r.level === 'info' && r.msg.startsWith('reloaded')));
      } finally {
        wf.close();
      }
    });
  });
}

test('a broken reload keeps the previous content and logs one line', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'ips.map');
    await writeFile(path, '192.0.2.1\n');
    const log = new MemoryLogger();
    const wf = await WatchedFile.open(path, (t) => parseMap('ip', t), { log, ...FAST });
    try {
      await writeFile(path, '192.0.2.1\n198.51.100.1\nnot-an-ip\n');
      await until(() => log.records.some((r) => r.level === 'warn'), 'warning');
      assert.equal(wf.version, 0);
      assert.equal(wf.current.match('192.0.2.1').length, 1);
      assert.equal(wf.current.match('198.51.100.1').length, 0);
      const warns = log.records.filter((r) => r.level === 'warn');
      assert.equal(warns.length, 1);
      assert.match(warns[0].msg, /ips\.map: line 3: 'not-an-ip' is not an IP address or CIDR network; keeping the previous content$/);
      // Fixing the file recovers.
      await writeFile(path, '198.51.100.1\n');
      await until(() => wf.version === 1, 'recovery');
      assert.equal(wf.current.match('198.51.100.1').length, 1);
      // A deleted file keeps the last good list.
      await unlink(path);
      await until(() => log.records.filter((r) => r.level === 'warn').length === 2, 'missing-file warning');
      assert.equal(wf.current.match('198.51.100.1').length, 1);
    } finally {
      wf.close();
    }
  });
});

test('missing files: an error unless optional; an optional file is picked up when it appears', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'later.map');
    const log = new MemoryLogger();
    await assert.rejects(WatchedFile.open(path, domains, { log, ...FAST }), (e: unknown) => e instanceof FileLoadError && e.message.includes(path));
    const wf = await WatchedFile.open(path, domains, { log, ...FAST, optional: true });
    try {
      assert.equal(wf.current.size, 0);
      await writeFile(path, 'late.example\n');
      await until(() => has(wf, 'late.example'), 'file to appear');
    } finally {
      wf.close();
    }
  });
});

test('an invalid file at open is an error naming file and line', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'bad.map');
    await writeFile(path, 'ok.example\nb@d\n');
    await assert.rejects(WatchedFile.open(path, domains, { log: new MemoryLogger(), ...FAST }), /bad\.map: line 2: 'b@d' is not a domain name/);
  });
});

test('close stops watching', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'list.map');
    await writeFile(path, 'one.example\n');
    const wf = await WatchedFile.open(path, domains, { log: new MemoryLogger(), ...FAST });
    wf.close();
    await writeFile(path, 'two.example\n');
    // Several poll and debounce periods: long enough for a reload to have happened had the watchers been alive.
    await new Promise((r) => setTimeout(r, 5 * (FAST.pollMs! + FAST.debounceMs!)));
    assert.equal(wf.version, 0);
    assert.ok(has(wf, 'one.example'));
  });
});
