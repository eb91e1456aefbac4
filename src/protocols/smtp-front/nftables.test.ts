// nftables sync: the commands it builds, batching, a missing nft, and failures logged once.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryLogger } from '../../log/memory-logger.ts';
import { smtpFrontSchema } from './config.ts';
import { findExecutable, nftAddCommands, NftSync, NFT_MAX_BATCH } from './nftables.ts';

const cfg = (over: Record<string, unknown> = {}) => smtpFrontSchema.parse({ nftables: { enabled: true, ...over } }).nftables;

test('add element commands per family with the element timeout', () => {
  assert.deepEqual(nftAddCommands(cfg({ timeout: '36d' }), ['192.0.2.1', '198.51.100.7', '192.0.2.1', '2001:db8::1']), [
    ['add', 'element', 'inet', 'winnow', 'spamd_white', '{ 192.0.2.1 timeout 3110400s, 198.51.100.7 timeout 3110400s }'],
  ]);
  assert.deepEqual(nftAddCommands(cfg({ family: 'ip6', table: 'filter', set6: 'white6', timeout: 3600 }), ['2001:db8::1']), [
    ['add', 'element', 'ip6', 'filter', 'white6', '{ 2001:db8::1 timeout 3600s }'],
  ]);
  const many = Array.from({ length: NFT_MAX_BATCH + 1 }, (_, i) => `10.0.${i >> 8}.${i & 255}`);
  assert.deepEqual(nftAddCommands(cfg(), many).map((c) => c[5].split(',').length), [NFT_MAX_BATCH, 1]);
  assert.throws(() => smtpFrontSchema.parse({ nftables: { set: 'bad name; drop' } }), /an nftables name/);
});

test('NftSync batches addresses into one run; failures are logged once per incident', async () => {
  const runs: string[][] = [];
  let fail = false;
  const log = new MemoryLogger();
  const sync = new NftSync(cfg(), log, async (command, args) => {
    runs.push([command, ...args]);
    if (fail) throw new Error('Error: No such file or directory; did you mean table ‘winnow’');
  }, () => '/usr/sbin/nft');
  assert.equal(sync.active, true);
  sync.add('192.0.2.1');
  sync.add('192.0.2.2');
  await sync.flush();
  assert.deepEqual(runs, [['/usr/sbin/nft', 'add', 'element', 'inet', 'winnow', 'spamd_white', '{ 192.0.2.1 timeout 3110400s, 192.0.2.2 timeout 3110400s }']]);
  fail = true;
  sync.add('192.0.2.3');
  await sync.flush();
  sync.add('192.0.2.4');
  await sync.flush();
  assert.equal(log.records.filter((r) => /nft add element failed/.test(r.msg)).length, 1);
  sync.close();
});

test('enabled without nft installed: warns once and stays inactive; disabled never looks', () => {
  const log = new MemoryLogger();
  const missing = new NftSync(cfg({ command: '/nonexistent/nft' }), log);
  assert.equal(missing.active, false);
  missing.add('192.0.2.1');
  assert.equal(log.records.filter((r) => /nft was not found/.test(r.msg)).length, 1);
  let looked = false;
  const off = new NftSync(smtpFrontSchema.parse({}).nftables, log, async () => undefined, () => ((looked = true), '/x'));
  assert.equal(off.active, false);
  assert.equal(looked, false);
  assert.ok(findExecutable('sh', '/usr/bin:/bin'));
  assert.equal(findExecutable('no-such-binary-winnow', '/usr/bin:/bin'), undefined);
});
