// The multi-MX case on the real backends: a first attempt recorded through one store instance passes through another sharing the backend (SQLite file, Redis at 127.0.0.1:6379).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { openStore } from '../../storage/open-store.ts';
import type { Store } from '../../storage/store.ts';
import { greylistCheck } from './index.ts';
import { harness, T0 } from './test-support.ts';
import { deleteKeysUnder } from '../../../test/support/redis-keys.ts';

const REDIS_HOST = '127.0.0.1';
const REDIS_PORT = 6379;
const prefix = `winnow-test:greylist-${process.pid}-${randomBytes(4).toString('hex')}:`;
const dir = mkdtempSync(join(tmpdir(), 'winnow-greylist-store-'));

after(async () => {
  rmSync(dir, { recursive: true, force: true });
  const admin = new Redis({ host: REDIS_HOST, port: REDIS_PORT, lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000 });
  admin.on('error', () => {});
  try {
    await admin.connect();
    await deleteKeysUnder(admin, prefix);
  } finally {
    admin.disconnect();
  }
});

const REQ = { clientIp: '192.0.2.10', mailFrom: 'alice@sender.example', rcptTo: ['bob@example.net'] };

/** MX 1 sees the first attempt; the retry 5 minutes later lands on MX 2, whose own store handle shares the backend. */
async function retryOnOtherHost(openA: () => Promise<Store>, openB: () => Promise<Store>): Promise<void> {
  const mx1 = await harness([greylistCheck], { store: await openA(), checks: { greylist: {} } });
  const mx2 = await harness([greylistCheck], { store: await openB(), checks: { greylist: {} } });
  try {
    const first = await mx1.scan(REQ);
    assert.equal(first.action, 'greylist');
    mx2.clock.set(T0 + 100_000);
    assert.equal((await mx2.scan(REQ)).action, 'greylist', 'too early on the other host too');
    mx2.clock.set(T0 + 300_000);
    const retry = await mx2.scan(REQ);
    assert.equal(retry.action, 'no action');
    assert.deepEqual(retry.symbols.GREYLIST_PASS?.options, ['delayed 300s']);
    mx1.clock.set(T0 + 400_000);
    assert.deepEqual((await mx1.scan(REQ)).symbols.GREYLIST_PASS?.options, ['known'], 'and the first host knows it passed');
  } finally {
    await mx1.close();
    await mx2.close();
    await mx1.store.close();
    await mx2.store.close();
  }
}

test('SQLite: two handles on one file (two worker processes) share the greylist', () => {
  const open = () => openStore({ backend: 'sqlite', path: join(dir, 'grey.sqlite') });
  return retryOnOtherHost(open, open);
});

test(`Redis at ${REDIS_HOST}:${REDIS_PORT}: two scanner hosts with one Redis share the greylist`, () => {
  const open = async () => {
    try {
      return await openStore({ backend: 'redis', host: REDIS_HOST, port: REDIS_PORT, prefix, connect_timeout_ms: 2000 });
    } catch (err) {
      throw new Error(`Redis at ${REDIS_HOST}:${REDIS_PORT} is not answering; this test needs a real server and does not skip`, { cause: err });
    }
  };
  return retryOnOtherHost(open, open);
});
