// The list-source updater against real sources: an http server on loopback (plain, gzip, failing, slow), a file, a command; fallback to the previous list, whitelist subtraction, the cache file and the worker-side lookup.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { MemoryLogger } from '../../log/memory-logger.ts';
import { CachedSpamdLists, parseCache } from './lists-cache.ts';
import { listsCachePath, SourceSpamdLists } from './source-lists.ts';
import { fetchSource, updateLists } from './sources.ts';
import type { SpamdSource } from './sources-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'winnow-spamd-sources-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Path → [status, body]; edited by tests between updates. */
const routes = new Map<string, [number, string | Buffer]>();
let hits = new Map<string, number>();
let server: Server;
let base = '';

before(async () => {
  server = createServer((req, res) => {
    hits.set(req.url ?? '', (hits.get(req.url ?? '') ?? 0) + 1);
    if (req.url === '/slow') return void setTimeout(() => res.end('192.0.2.1\n'), 2000).unref();
    const [status, body] = routes.get(req.url ?? '') ?? [404, 'not found'];
    res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (typeof addr !== 'object' || addr === null) throw new Error('no address');
  base = `http://127.0.0.1:${addr.port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

function cacheIn(name: string): string {
  return listsCachePath(join(dir, name));
}

const opts = (log: MemoryLogger, cachePath: string, sources: SpamdSource[]) => ({ sources, cachePath, configDir: dir, timeoutMs: 1000, log });

test('fetches http (plain and gzip), file and exec sources; reports counts; the cache feeds lookups', async () => {
  routes.set('/black.txt', [200, '# nixspam\n192.0.2.0/24\n198.51.100.7 spammer\nnot an address\n']);
  routes.set('/black.txt.gz', [200, gzipSync('203.0.113.0 - 203.0.113.255\n2001:db8:bad::/48\n')]);
  writeFileSync(join(dir, 'white.txt'), '192.0.2.128/25 # our partner\n');
  const log = new MemoryLogger();
  const cachePath = cacheIn('a');
  const sources: SpamdSource[] = [
    { name: 'nixspam', type: 'black', message: 'Listed by nixspam: %A', source: `${base}/black.txt` },
    { name: 'gz', type: 'black', source: `${base}/black.txt.gz` },
    { name: 'partner', type: 'white', source: 'white.txt' },
    { name: 'cmd', type: 'black', message: 'local list', source: 'exec:printf "10.0.0.0/8\\n192.0.2.200\\n"' },
  ];
  const reports = await updateLists(opts(log, cachePath, sources));
  assert.deepEqual(reports, [
    { name: 'nixspam', type: 'black', ok: true, entries: 2, effective: 2, bad: 1 },
    { name: 'gz', type: 'black', ok: true, entries: 2, effective: 2, bad: 0 },
    { name: 'partner', type: 'white', ok: true, entries: 1, bad: 0 },
    { name: 'cmd', type: 'black', ok: true, entries: 2, effective: 2, bad: 0 },
  ]);
  assert.ok(log.records.some((r) => r.level === 'warn' && r.msg.includes('nixspam') && r.msg.includes('1 bad line')));
  const cache = parseCache(readFileSync(cachePath, 'utf8'));
  assert.deepEqual(cache.sources[0].raw, ['192.0.2.0/24', '198.51.100.7/32']);
  assert.deepEqual(cache.sources[0].effective, ['192.0.2.0/25', '198.51.100.7/32'], 'the white source after it cut 192.0.2.128/25 out');
  assert.equal(cache.sources[3].effective, undefined, 'no white source after cmd: its raw list is used as is');

  const lists = new CachedSpamdLists(cache);
  assert.deepEqual(lists.lookup('192.0.2.1'), { white: false, black: [{ name: 'nixspam', message: 'Listed by nixspam: %A' }] });
  assert.deepEqual(lists.lookup('192.0.2.130'), { white: true, black: [] }, 'whitelisted, and subtracted from nixspam');
  assert.deepEqual(
    lists.lookup('192.0.2.200'),
    { white: false, black: [{ name: 'cmd', message: 'local list' }] },
    'a black source after the white one still lists it (spamd.conf order)',
  );
  assert.equal(lists.lookup('203.0.113.77').black[0].name, 'gz');
  assert.match(lists.lookup('2001:db8:bad::1').black[0].message, /^Sorry %A/, 'a black source without a message gets spamd\'s generic one');
  assert.deepEqual(lists.lookup('10.1.2.3').black.map((b) => b.name), ['cmd']);
  assert.deepEqual(lists.lookup('8.8.8.8'), { white: false, black: [] });
});

test('a failing or corrupt source keeps its previous list and logs one line naming it and why', async () => {
  routes.set('/list', [200, '192.0.2.0/24\n']);
  const cachePath = cacheIn('b');
  const sources: SpamdSource[] = [{ name: 'flaky', type: 'black', source: `${base}/list` }];
  const first = await updateLists(opts(new MemoryLogger(), cachePath, sources));
  assert.equal(first[0].entries, 1);

  const cases: [string, () => void, RegExp][] = [
    ['HTTP 500', () => routes.set('/list', [500, 'oops']), /HTTP 500/],
    ['an HTML error page', () => routes.set('/list', [200, '<html>\n<body>Service unavailable</body>\n</html>\n']), /no valid entry, 3 bad line/],
    ['corrupt gzip', () => routes.set('/list', [200, Buffer.from([0x1f, 0x8b, 1, 2, 3, 4])]), /gzip data is corrupt/],
  ];
  for (const [what, breakIt, reason] of cases) {
    breakIt();
    const log = new MemoryLogger();
    const [r] = await updateLists(opts(log, cachePath, sources));
    assert.equal(r.ok, false, what);
    assert.match(r.error ?? '', reason, what);
    assert.equal(r.entries, 1, `${what}: the previous list is kept`);
    const warns = log.records.filter((x) => x.level === 'warn');
    assert.equal(warns.length, 1, `${what}: one log line`);
    assert.match(warns[0].msg, /^spamd source flaky \(http:\/\/127\.0\.0\.1:\d+\/list\) failed: .*; keeping the previous list \(1 networks\)$/);
    assert.deepEqual(new CachedSpamdLists(parseCache(readFileSync(cachePath, 'utf8'))).lookup('192.0.2.9').black.map((b) => b.name), ['flaky']);
  }
  routes.set('/list', [200, '198.51.100.0/24\n']);
  const [fixed] = await updateLists(opts(new MemoryLogger(), cachePath, sources));
  assert.deepEqual([fixed.ok, fixed.entries], [true, 1]);
  assert.deepEqual(parseCache(readFileSync(cachePath, 'utf8')).sources[0].raw, ['198.51.100.0/24']);
});

test('timeouts, missing files, failing commands: each source fails on its own and the others load', async () => {
  routes.set('/ok', [200, '192.0.2.1\n']);
  const log = new MemoryLogger();
  const t0 = Date.now();
  const reports = await updateLists({
    ...opts(log, cacheIn('c'), [
      { name: 'slow', type: 'black', source: `${base}/slow` },
      { name: 'missing', type: 'black', source: 'no-such-file.txt' },
      { name: 'exit3', type: 'black', source: 'exec:echo boom >&2; exit 3' },
      { name: 'sleeper', type: 'black', source: 'exec:sleep 5' },
      { name: 'ok', type: 'black', source: `${base}/ok` },
    ]),
    timeoutMs: 300,
  });
  assert.ok(Date.now() - t0 < 1500, 'the timeouts bound the whole run');
  const byName = Object.fromEntries(reports.map((r) => [r.name, r]));
  assert.match(byName.slow.error ?? '', /no complete answer within 300 ms/);
  assert.match(byName.missing.error ?? '', /ENOENT/);
  assert.equal(byName.exit3.error, 'command exited with code 3: boom');
  assert.match(byName.sleeper.error ?? '', /did not finish within 300 ms/);
  assert.deepEqual([byName.ok.ok, byName.ok.entries], [true, 1]);
  assert.equal(log.records.filter((r) => r.level === 'warn' && /no previous list to keep$/.test(r.msg)).length, 4);
});

test('fetchSource fails with the reason when nothing listens', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as { port: number }).port;
  await new Promise((resolve) => closed.close(resolve));
  await assert.rejects(fetchSource(`http://127.0.0.1:${port}/x`, { configDir: dir, timeoutMs: 1000 }), /ECONNREFUSED/);
});

test('`only` fetches the named sources and keeps the others from the cache', async () => {
  routes.set('/one', [200, '192.0.2.1\n']);
  routes.set('/two', [200, '192.0.2.2\n']);
  const cachePath = cacheIn('d');
  const sources: SpamdSource[] = [
    { name: 'one', type: 'black', source: `${base}/one` },
    { name: 'two', type: 'black', source: `${base}/two` },
  ];
  await updateLists(opts(new MemoryLogger(), cachePath, sources));
  hits = new Map();
  routes.set('/one', [200, '198.51.100.1\n']);
  routes.set('/two', [200, '198.51.100.2\n']);
  await updateLists({ ...opts(new MemoryLogger(), cachePath, sources), only: new Set(['two']) });
  assert.deepEqual([hits.get('/one'), hits.get('/two')], [undefined, 1]);
  assert.deepEqual(parseCache(readFileSync(cachePath, 'utf8')).sources.map((s) => s.raw), [['192.0.2.1/32'], ['198.51.100.2/32']]);
});

test('workers reload the cache file when the updater rewrites it; a broken file keeps the previous lists', async () => {
  const dataDir = join(dir, 'worker');
  routes.set('/w', [200, '192.0.2.0/24\n']);
  const sources: SpamdSource[] = [{ name: 'bl', type: 'black', source: `${base}/w` }];
  const log = new MemoryLogger();
  const lists = await SourceSpamdLists.open(dataDir, log, { pollMs: 50, debounceMs: 10 });
  try {
    assert.deepEqual(lists.lookup('192.0.2.1'), { white: false, black: [] }, 'no cache yet: empty lists, no error');
    await updateLists(opts(log, listsCachePath(dataDir), sources));
    await waitFor(() => lists.lookup('192.0.2.1').black.length === 1);
    writeFileSync(listsCachePath(dataDir), '{"version": 1, "sources": "broken"');
    await sleep(300);
    assert.equal(lists.lookup('192.0.2.1').black.length, 1, 'broken rewrite: previous lists stay');
    routes.set('/w', [200, '198.51.100.0/24\n']);
    await updateLists(opts(log, listsCachePath(dataDir), sources));
    await waitFor(() => lists.lookup('198.51.100.1').black.length === 1);
    assert.equal(lists.lookup('192.0.2.1').black.length, 0);
  } finally {
    lists.close();
  }
});

test('a corrupt cache at start gives empty lists and a warning, not a failure', async () => {
  const dataDir = join(dir, 'corrupt');
  await updateLists(opts(new MemoryLogger(), listsCachePath(dataDir), []));
  writeFileSync(listsCachePath(dataDir), 'garbage');
  const log = new MemoryLogger();
  const lists = await SourceSpamdLists.open(dataDir, log, { pollMs: 50 });
  try {
    assert.deepEqual(lists.lookup('192.0.2.1'), { white: false, black: [] });
    assert.ok(log.records.some((r) => r.level === 'warn' && r.msg.includes('starting with no fetched lists')));
  } finally {
    lists.close();
  }
});

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}
