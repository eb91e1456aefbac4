// Tests for the history summary (incremental refresh, search, paging) and GET /api/history, /api/history/<id> with explanations.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleEntry } from '../../storage/contract/history.ts';
import { createMemoryStore } from '../../storage/memory/memory-store.ts';
import type { HistoryEntry } from '../../storage/interfaces.ts';
import { HISTORY_COUNT_INTERVAL_MS, HISTORY_PROBE_ROWS, HistoryIndex } from './history-index.ts';
import { startTestController, uiMessage, type TestController } from './controller-testing.ts';

function entry(n: number, extra: Partial<HistoryEntry> = {}): HistoryEntry {
  return { ...sampleEntry(n), ...extra };
}

/** Counts store reads, to show a refresh reads only what is new. */
function counting(store: ReturnType<typeof createMemoryStore>['history']) {
  const reads = { rows: 0 };
  return {
    reads,
    history: {
      ...store,
      push: store.push.bind(store),
      pushMany: store.pushMany.bind(store),
      count: store.count.bind(store),
      clear: store.clear.bind(store),
      recent: async (limit: number, offset?: number) => {
        const rows = await store.recent(limit, offset);
        reads.rows += rows.length;
        return rows;
      },
    },
  };
}

test('the summary loads once, then reads only new rows; it follows the ring, clears and rotations', async () => {
  const store = createMemoryStore({ historySize: 300 });
  for (let i = 0; i < 250; i++) await store.history.push(entry(i));
  const { reads, history } = counting(store.history);
  let now = 0;
  const index = new HistoryIndex(history, () => now);
  assert.equal((await index.query({ offset: 0, limit: 5 })).total, 250);
  const afterLoad = reads.rows;
  assert.ok(afterLoad >= 250);
  await index.query({ offset: 0, limit: 5 });
  assert.equal(reads.rows - afterLoad, 1, 'nothing new: one row read to check');
  for (let i = 250; i < 260; i++) await store.history.push(entry(i));
  const page = await index.query({ offset: 0, limit: 3 });
  assert.deepEqual(page.items.map((i) => i.id), ['id-259', 'id-258', 'id-257']);
  assert.ok(reads.rows - afterLoad < 250, 'new rows found without a full reload');
  for (let i = 260; i < 310; i++) await store.history.push(entry(i));
  const lingering = await index.query({ offset: 0, limit: 1000 });
  assert.equal(lingering.items[0].id, 'id-309');
  assert.equal(lingering.total, 310, 'rotated-out rows linger until the next count');
  for (let i = 310; i < 312; i++) await store.history.push(entry(i));
  now += HISTORY_COUNT_INTERVAL_MS;
  const rotated = await index.query({ offset: 0, limit: 1000 });
  assert.equal(rotated.total, 300, 'the ring dropped the oldest; so does the summary');
  assert.equal(rotated.items[0].id, 'id-311');
  assert.equal(rotated.items.at(-1)!.id, 'id-12');
  for (let i = 312; i < 412; i++) await store.history.push(entry(i));
  const reloaded = await index.query({ offset: 0, limit: 1000 });
  assert.deepEqual([reloaded.total, reloaded.items[0].id, reloaded.items.at(-1)!.id], [300, 'id-411', 'id-112'], 'more new rows than the probe: a full reload');
  await store.history.clear();
  assert.equal((await index.query({ offset: 0, limit: 10 })).total, 0);
  for (let i = 0; i < HISTORY_PROBE_ROWS + 5; i++) await store.history.push(entry(1000 + i));
  assert.equal((await index.query({ offset: 0, limit: 10 })).total, HISTORY_PROBE_ROWS + 5, 'refilled past the probe after a clear');
});

test('search covers addresses, subject, IP, symbol names; action filters exactly; paging counts all matches', async () => {
  const store = createMemoryStore();
  await store.history.push(entry(1, { subject: 'Invoice overdue', senderSmtp: 'billing@shop.example', action: 'add header' }));
  await store.history.push(entry(2, { clientIp: '198.51.100.23', symbols: { RBL_HIT: { score: 5, options: [] } }, action: 'reject' }));
  await store.history.push(entry(3, { rcptSmtp: ['CEO@corp.example'] }));
  const index = new HistoryIndex(store.history);
  const ids = async (q: Parameters<HistoryIndex['query']>[0]) => (await index.query(q)).items.map((i) => i.id);
  assert.deepEqual(await ids({ offset: 0, limit: 10, q: 'invoice' }), ['id-1']);
  assert.deepEqual(await ids({ offset: 0, limit: 10, q: 'shop.example' }), ['id-1']);
  assert.deepEqual(await ids({ offset: 0, limit: 10, q: '198.51.100' }), ['id-2']);
  assert.deepEqual(await ids({ offset: 0, limit: 10, q: 'rbl_hit' }), ['id-2']);
  assert.deepEqual(await ids({ offset: 0, limit: 10, q: 'ceo@corp' }), ['id-3']);
  assert.deepEqual(await ids({ offset: 0, limit: 10, action: 'reject' }), ['id-2']);
  assert.deepEqual(await ids({ offset: 0, limit: 10, action: 'reject', q: 'invoice' }), []);
  const p = await index.query({ offset: 1, limit: 1 });
  assert.deepEqual([p.total, p.items.map((i) => i.id)], [3, ['id-2']]);
  assert.equal((await index.entry('id-2'))?.clientIp, '198.51.100.23');
  assert.equal(await index.entry('nope'), undefined);
});

let c: TestController;
before(async () => {
  c = await startTestController({ auth: { secureIp: ['127.0.0.1/32'] } });
});
after(async () => {
  await c.close();
});

test('GET /api/history lists scans just made; /api/history/<id> explains one', async () => {
  await fetch(`${c.url}/checkv2`, { method: 'POST', body: uiMessage('Explained', 'SPAMMY BITS NICE'), headers: { IP: '192.0.2.44' } });
  const list = (await (await fetch(`${c.url}/api/history?limit=5`)).json()) as { total: number; items: Record<string, any>[] };
  const item = list.items.find((i) => i.subject === 'Explained');
  assert.ok(item, 'the row is there (the recorder was flushed first)');
  assert.equal(item.clientIp, '192.0.2.44');
  assert.equal(item.score, 6.5);
  assert.equal(item.action, 'add header');
  const ex = (await (await fetch(`${c.url}/api/history/${item.id}`)).json()) as Record<string, any>;
  assert.equal(ex.entry.id, item.id);
  assert.deepEqual(ex.symbols.map((s: { name: string }) => s.name), ['UI_SPAMMY', 'UI_BITS', 'UI_NICE']);
  assert.deepEqual(ex.symbols[0], { name: 'UI_SPAMMY', score: 7, options: ['spammy'], weight: 7, group: 'probe', description: 'Body says SPAMMY' });
  const addHeader = ex.whatIf.find((w: { action: string }) => w.action === 'add header');
  assert.deepEqual([addHeader.reached, addHeader.delta, addHeader.symbols, addHeader.resultingAction], [true, 0.5, ['UI_BITS'], 'greylist']);
  assert.equal(ex.thresholds.reject, 15);
  assert.equal(ex.bayes, null);
});

test('bad history requests are 4xx JSON with a code', async () => {
  const missing = await fetch(`${c.url}/api/history/no-such-id`);
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'ERR_NOT_FOUND');
  for (const q of ['limit=abc', 'offset=-1', 'action=nonsense', `q=${'x'.repeat(300)}`]) {
    const res = await fetch(`${c.url}/api/history?${q}`);
    assert.equal(res.status, 400, q);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ERR_BAD_REQUEST');
  }
});
