// openStore: default SQLite location under the data dir, config errors naming the key, Redis by config.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from './open-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'winnow-open-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('openStore: no config block opens SQLite at <dataDir>/winnow.sqlite', async () => {
  const store = await openStore(undefined, { dataDir: join(dir, 'data') });
  const h = await store.health();
  assert.equal(h.backend, 'sqlite');
  assert.ok(existsSync(join(dir, 'data', 'winnow.sqlite')));
  await store.close();
});

test('openStore: absolute SQLite paths are used as given', async () => {
  const path = join(dir, 'abs', 'x.sqlite');
  const store = await openStore({ backend: 'sqlite', path, history_size: 2 }, { dataDir: '/nonexistent' });
  for (let i = 0; i < 3; i++) {
    await store.history.push({ id: `${i}`, unixTime: i, rcptSmtp: [], rcptMime: [], score: 0, requiredScore: 0, action: 'no action', size: 0, timeMs: 0, isSkipped: false, symbols: {} });
  }
  assert.equal(await store.history.count(), 2, 'history_size from config');
  await store.close();
  assert.ok(existsSync(path));
});

test('openStore: an invalid block is ERR_CONFIG_INVALID naming the key', async () => {
  await assert.rejects(openStore({ backend: 'redis', mode: 'sentinel', sentinels: [{ host: '127.0.0.1' }] }), {
    code: 'ERR_CONFIG_INVALID',
    message: /^store\.name: /,
  });
});

test('openStore: redis backend from config', async () => {
  const store = await openStore({ backend: 'redis', host: '127.0.0.1', port: 6379, prefix: `winnow-test:${process.pid}:open:` });
  try {
    const h = await store.health();
    assert.equal(h.backend, 'redis');
    assert.match(h.detail, /^Redis at 127\.0\.0\.1:6379: redis \d+\.\d+\.\d+ \(standalone\), used memory /);
  } finally {
    await store.close();
  }
});
