// Tests for the greylist routes over a memory store: listing with states and search, release, delete, whitelist.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { networkOf } from './greylist-route.ts';
import { startTestController, type TestController } from './controller-testing.ts';

const NOW = Date.UTC(2025, 2, 4, 12);
const DELAY = 300_000;
const A = '192.0.2.0/alice@example.org/bob@example.net';
const B = '198.51.100.0/news@list.example/carol@example.net';
let c: TestController;
before(async () => {
  c = await startTestController({ auth: { secureIp: ['127.0.0.1/32'] }, now: () => NOW, greylist: { delayMs: DELAY, maxAgeMs: 86_400_000 } });
  const gl = c.store.greylist;
  await gl.seen(A, NOW - 60_000, 3_600_000, DELAY);
  await gl.seen(B, NOW - 600_000, 3_600_000, DELAY);
  await gl.seen(B, NOW - 100_000, 3_600_000, DELAY);
  await gl.seen('awl:192.0.2.0', NOW - 1000, 3_600_000, 0);
});
after(async () => {
  await c.close();
});

const post = (path: string, body: unknown) => fetch(`${c.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
type Listing = { total: number; items: { key: string; state: string; network: string; whitelisted: boolean; passCount: number }[] };

test('networkOf takes the client network part of a triplet key', () => {
  assert.equal(networkOf(A), '192.0.2.0');
  assert.equal(networkOf('2001:db8:1:2::/a@b/c@d'), '2001:db8:1:2::');
});

test('listing: states, networks, counters hidden unless all=1, search by key, paging', async () => {
  const l = (await (await fetch(`${c.url}/api/greylist`)).json()) as Listing;
  assert.equal(l.total, 2);
  assert.deepEqual(l.items.map((i) => [i.key, i.state, i.network, i.whitelisted]), [
    [A, 'waiting', '192.0.2.0', false],
    [B, 'passed', '198.51.100.0', false],
  ]);
  assert.equal(((await (await fetch(`${c.url}/api/greylist?all=1`)).json()) as Listing).total, 3);
  const q = (await (await fetch(`${c.url}/api/greylist?q=LIST.example`)).json()) as Listing;
  assert.deepEqual(q.items.map((i) => i.key), [B]);
  const page = (await (await fetch(`${c.url}/api/greylist?offset=1&limit=1`)).json()) as Listing;
  assert.deepEqual([page.total, page.items.map((i) => i.key)], [2, [B]]);
});

test('release makes the waiting triplet pass; delete removes; whitelist lists the network', async () => {
  const r = await post('/api/greylist/release', { key: A });
  assert.equal(r.status, 200);
  assert.equal(((await r.json()) as { entry: { passCount: number } }).entry.passCount, 1);
  const entry = await c.store.greylist.get(A, NOW);
  assert.equal(entry?.passCount, 1, 'stored as passed: the next retry is accepted');
  const w = await post('/api/greylist/whitelist', { key: A });
  assert.deepEqual(await w.json(), { success: true, key: A, network: '192.0.2.0', expiresAt: NOW + 86_400_000 });
  assert.equal((await c.store.greylist.whitelist.get('192.0.2.0', NOW))?.reason, 'manual (controller)');
  const l = (await (await fetch(`${c.url}/api/greylist`)).json()) as Listing;
  assert.deepEqual(l.items.map((i) => [i.state, i.whitelisted]), [['passed', true], ['passed', false]]);
  assert.equal((await post('/api/greylist/delete', { key: B })).status, 200);
  assert.equal(await c.store.greylist.get(B, NOW), undefined);
});

test('unknown keys are 404, bad bodies 400, unknown actions 404, GET on an action 405', async () => {
  assert.equal((await post('/api/greylist/release', { key: 'nope/x/y' })).status, 404);
  assert.equal((await post('/api/greylist/delete', { key: 'nope/x/y' })).status, 404);
  const bad = await post('/api/greylist/release', { key: 5 });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { error: { field: string } }).error.field, 'key');
  assert.equal((await post('/api/greylist/constructor', { key: A })).status, 404);
  assert.equal((await fetch(`${c.url}/api/greylist/release`)).status, 405);
});
