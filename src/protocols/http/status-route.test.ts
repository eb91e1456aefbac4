// Tests for GET /api/status: counts from the shared counters, store health, workers, and the cache of its slow parts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestController, uiMessage, type TestController } from './controller-testing.ts';
import { ttlCache } from './status-route.ts';

let c: TestController;
let healthCalls = 0;
before(async () => {
  c = await startTestController({
    auth: { secureIp: ['127.0.0.1/32'] },
    generation: 3,
    storeSizeBytes: () => 4096,
    workers: () => [
      { pid: process.pid, generation: 3, scanned: 5, rssBytes: 1 },
      { pid: 999_999, generation: 3, scanned: 7, rssBytes: 2 },
    ],
  });
  const health = c.store.health.bind(c.store);
  c.deps.store.health = async () => {
    healthCalls++;
    return health();
  };
});
after(async () => {
  await c.close();
});

test('counts scans and actions, reports the store and every worker (this one with fresh figures)', async () => {
  for (const body of ['SPAMMY', 'hello', 'hello']) await fetch(`${c.url}/checkv2`, { method: 'POST', body: uiMessage('S', body) });
  await c.store.counters.add({ 'learned:spam': 2, learned: 2 });
  const s = (await (await fetch(`${c.url}/api/status`)).json()) as Record<string, any>;
  assert.equal(s.scanned, 3);
  assert.equal(s.actions['add header'], 1);
  assert.equal(s.actions['no action'], 2);
  assert.equal(s.spamCount, 1);
  assert.equal(s.hamCount, 2);
  assert.deepEqual(s.learned, { spam: 2, ham: 0, total: 2 });
  assert.deepEqual(s.store, { healthy: true, backend: 'memory', detail: 'in-process maps (tests only)', sizeBytes: 4096 });
  assert.equal(s.generation, 3);
  assert.deepEqual(s.workers.map((w: { pid: number }) => w.pid), [process.pid, 999_999].sort((a, b) => a - b));
  const self = s.workers.find((w: { pid: number }) => w.pid === process.pid);
  assert.ok(self.rssBytes > 1000, 'own rss measured now, not the stale report');
  assert.equal(self.scanned, 5);
  assert.equal(typeof s.uptimeSec, 'number');
});

test('store health is asked at most once per TTL however often the page polls', async () => {
  const before = healthCalls;
  await Promise.all(Array.from({ length: 10 }, () => fetch(`${c.url}/api/status`).then((r) => r.json())));
  assert.ok(healthCalls - before <= 1, `health asked ${healthCalls - before} times`);
});

test('ttlCache: shares one pending call, keeps a value for the TTL, does not keep failures', async () => {
  let now = 0;
  let calls = 0;
  let fail = false;
  const get = ttlCache(
    async () => {
      calls++;
      if (fail) throw new Error('down');
      return calls;
    },
    1000,
    () => now,
  );
  assert.deepEqual(await Promise.all([get(), get()]), [1, 1]);
  now = 999;
  assert.equal(await get(), 1);
  now = 1000;
  fail = true;
  await assert.rejects(get(), /down/);
  fail = false;
  assert.equal(await get(), 3);
});
