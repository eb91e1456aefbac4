// The daemon-side schedule: the first run writes the cache (and the SPF whitelist), a restart with a fresh cache does not refetch; the check's lists then see both.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { builtinChecks } from '../index.ts';
import { loadConfigText } from '../../config/load.ts';
import { dnsConfigSchema } from '../../dns/config.ts';
import { MemoryLogger } from '../../log/memory-logger.ts';
import { startDnsServer, type DnsServer } from '../../../test/support/dns-server.ts';
import { spamdConfigSchema } from './config.ts';
import { FileSpamdLists } from './lists.ts';
import { parseCache } from './lists-cache.ts';
import { sourcesConfigOf, startListSchedule } from './list-schedule.ts';
import { listsCachePath, withSourceLists } from './source-lists.ts';
import { parseSourcesConfig } from './sources-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'winnow-spamd-schedule-'));
let hits = 0;
let server: Server;
let url = '';
let dnsServer: DnsServer;

before(async () => {
  server = createServer((_req, res) => {
    hits++;
    res.end('192.0.2.0/24\n203.0.113.0/24\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/list.txt`;
  dnsServer = await startDnsServer({ 'big.example': { TXT: ['v=spf1 ip4:203.0.113.128/25 -all'] } });
});
after(async () => {
  server.closeAllConnections();
  server.close();
  await dnsServer.close();
  rmSync(dir, { recursive: true, force: true });
});

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}

test('the first run fetches and writes the cache; a restart with a fresh cache waits for the interval', async () => {
  const dataDir = join(dir, 'a');
  const sources = parseSourcesConfig({ sources: [{ name: 'bl', type: 'black', source: url }], update_interval: '1h' });
  const base = { sources, dataDir, configDir: dir, dns: dnsConfigSchema.parse({ servers: ['127.0.0.1:1'] }), log: new MemoryLogger() };
  hits = 0;
  const first = await startListSchedule(base);
  await waitFor(() => existsSync(listsCachePath(dataDir)));
  await first.idle();
  await first.stop();
  assert.equal(hits, 1);
  assert.deepEqual(parseCache(readFileSync(listsCachePath(dataDir), 'utf8')).sources.map((s) => [s.name, s.raw]), [['bl', ['192.0.2.0/24', '203.0.113.0/24']]]);
  assert.ok(base.log.records.some((r) => r.msg.startsWith('spamd lists updated: bl (black): 2 network(s)')));

  const second = await startListSchedule(base);
  await sleep(300);
  await second.stop();
  assert.equal(hits, 1, 'the cache is fresh: no refetch on restart');

  // Changing the configured sources makes the cache stale at once.
  const third = await startListSchedule({ ...base, sources: { ...sources, sources: [...sources.sources, { name: 'more', type: 'black', source: url }] } });
  await waitFor(() => hits === 3);
  await third.idle();
  await third.stop();
});

test('with spf_whitelist: the SPF file is written, becomes the last white source and subtracts from the black ones', async () => {
  const dataDir = join(dir, 'b');
  const sources = parseSourcesConfig({ sources: [{ name: 'bl', type: 'black', source: url }], spf_whitelist: { domains: ['big.example'] } });
  const log = new MemoryLogger();
  const s = await startListSchedule({ sources, dataDir, configDir: dir, dns: dnsConfigSchema.parse({ servers: [dnsServer.address], timeout_ms: 500, tries: 1 }), log });
  await waitFor(() => existsSync(listsCachePath(dataDir)));
  await s.idle();
  await s.stop();
  assert.match(readFileSync(join(dataDir, 'spf-whitelist.txt'), 'utf8'), /^203\.0\.113\.128\/25 # big\.example$/m);
  const cache = parseCache(readFileSync(listsCachePath(dataDir), 'utf8'));
  assert.deepEqual(cache.sources.map((x) => [x.name, x.type, x.error]), [['bl', 'black', undefined], ['spf-whitelist', 'white', undefined]]);
  assert.deepEqual(cache.sources[0].effective, ['192.0.2.0/24', '203.0.113.0/25']);

  // The spamd check's lists: its static file lists plus the fetched ones.
  writeFileSync(join(dir, 'static-black.txt'), '198.51.100.0/24\n');
  const cfg = spamdConfigSchema.parse({
    lists: [{ name: 'static', type: 'black', file: 'static-black.txt' }],
    sources: [{ name: 'bl', type: 'black', source: url }],
    spf_whitelist: { domains: ['big.example'] },
  });
  const lists = await withSourceLists(await FileSpamdLists.open(cfg, dir, log), cfg, dataDir, log);
  try {
    assert.deepEqual(lists.lookup('203.0.113.200'), { white: true, black: [] }, 'an SPF-authorised address skips greylisting');
    assert.deepEqual(lists.lookup('203.0.113.5').black.map((b) => b.name), ['bl']);
    assert.deepEqual(lists.lookup('198.51.100.5').black.map((b) => b.name), ['static']);
  } finally {
    lists.close?.();
  }
  const plain = await FileSpamdLists.open(spamdConfigSchema.parse({}), dir, log);
  assert.equal(await withSourceLists(plain, spamdConfigSchema.parse({}), dataDir, log), plain, 'no sources: the static lists alone');
});

test('sourcesConfigOf reads checks.spamd; a disabled spamd check schedules nothing', () => {
  const on = loadConfigText(`checks:\n  spamd:\n    sources:\n      - { name: x, type: black, source: "exec:true" }\n    update_interval: 2h\n`, builtinChecks);
  assert.deepEqual(sourcesConfigOf(on)?.sources.map((s) => s.name), ['x']);
  assert.equal(sourcesConfigOf(on)?.update_interval, 7_200_000);
  const off = loadConfigText(`checks:\n  spamd:\n    enabled: false\n`, builtinChecks);
  assert.equal(sourcesConfigOf(off), undefined);
});

test('config errors name the key', () => {
  assert.throws(
    () => loadConfigText(`checks:\n  spamd:\n    sources:\n      - { name: x, type: white, message: hi, source: "http//bad" }\n      - { name: x, type: black, source: "exec:" }\n`, builtinChecks),
    (err: Error) => {
      assert.match(err.message, /checks\.spamd\.sources\.0\.message: only black sources have a message/);
      assert.match(err.message, /checks\.spamd\.sources\.1\.name: duplicate or reserved source name 'x'/);
      assert.match(err.message, /checks\.spamd\.sources\.1\.source: expected a file path, an http\(s\):\/\/ URL or exec:command/);
      return true;
    },
  );
});
