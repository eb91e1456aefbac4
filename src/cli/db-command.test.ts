// The real `winnow db` (spamdb) against a SQLite store in a temp dir and against the real Redis: listing format, show, add, delete, bad input.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { openStore } from '../storage/open-store.ts';
import type { SpamdEntry } from '../storage/spamd-interfaces.ts';

const BIN = fileURLToPath(new URL('../../bin/winnow.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'winnow-db-cli-'));
const dataDir = join(dir, 'data');
const configPath = join(dir, 'winnow.yaml');
writeFileSync(configPath, `data_dir: ${JSON.stringify(dataDir)}\nchecks:\n  spamd:\n    trap_exp: 2h\n    white_exp: 10d\n`);
after(() => rmSync(dir, { recursive: true, force: true }));
const HOUR_S = 3600;
const TIMING = { passTimeMs: 1_500_000, greyExpMs: 14_400_000, whiteExpMs: 864 * 3_600_000 };

function winnow(config: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'db', '-c', config, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const db = (...args: string[]) => winnow(configPath, ...args);

async function withSqlite<T>(fn: (s: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> {
  const store = await openStore({ backend: 'sqlite' }, { dataDir });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

const listed = () => db('--json');
const entries = (): SpamdEntry[] => JSON.parse(listed().stdout) as SpamdEntry[];

test('--help explains every flag and the listing format', () => {
  const r = spawnSync(process.execPath, [BIN, 'db', '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  for (const flag of ['-a, --add', '-d, --delete', '-t, --trapped', '-T, --spamtrap', '-G, --grey', '--json']) assert.ok(r.stdout.includes(flag), flag);
  for (const line of ['WHITE|ip|||first|pass|expire', 'GREY|ip|helo|from|to|first|pass|expire', 'TRAPPED|ip|expire', 'SPAMTRAP|address']) assert.ok(r.stdout.includes(line), line);
});

test('add, list in spamdb format, show keys and delete each kind (SQLite)', async () => {
  const t0 = Math.floor(Date.now() / 1000);
  const add = db('-a', '192.0.2.7');
  assert.equal(add.status, 0, add.stderr);
  const m = /^WHITE\|192\.0\.2\.7\|\|\|(\d+)\|(\d+)\|(\d+)\|1\|0\n$/.exec(add.stdout);
  assert.ok(m, add.stdout);
  const [first, pass, expire] = m.slice(1).map(Number);
  assert.ok(first >= t0 && first <= t0 + 5);
  assert.equal(pass, first);
  assert.equal(expire - first, 10 * 24 * HOUR_S, 'white_exp from the config');
  assert.match(db('-a', '192.0.2.7').stdout, /^WHITE\|192\.0\.2\.7\|\|\|\d+\|\d+\|\d+\|1\|1\n$/, 'existing: passed+1');

  const trap = db('-t', '-a', '198.51.100.9');
  assert.equal(trap.status, 0, trap.stderr);
  const [, trapExpire] = /^TRAPPED\|198\.51\.100\.9\|(\d+)\n$/.exec(trap.stdout) ?? [];
  assert.ok(Math.abs(Number(trapExpire) - (t0 + 2 * HOUR_S)) <= 5, 'trap_exp from the config');
  assert.equal(db('-T', '-a', 'Trap@Example.ORG').stdout, 'SPAMTRAP|trap@example.org\n');

  await withSqlite(async (s) => {
    const now = Date.now();
    await s.spamd.seeTuple({ ip: '192.0.2.7', helo: 'mx.example', from: '<a@example.com>', to: '<b@example.org>' }, now, TIMING);
    await s.spamd.seeTuple({ ip: '203.0.113.5', helo: 'h', from: '<>', to: '<c@example.org>' }, now, TIMING);
  });
  const lines = db().stdout.trimEnd().split('\n');
  assert.deepEqual(
    lines.map((l) => l.split('|').slice(0, 5).join('|')),
    ['WHITE|192.0.2.7|||' + first, 'GREY|192.0.2.7|mx.example|<a@example.com>|<b@example.org>', 'GREY|203.0.113.5|h|<>|<c@example.org>', 'TRAPPED|198.51.100.9|' + trapExpire, 'SPAMTRAP|trap@example.org'],
  );
  const grey = lines[1].split('|');
  assert.equal(grey.length, 10);
  assert.equal(Number(grey[7]) - Number(grey[5]), 4 * HOUR_S, 'expire = first + greyexp, in seconds');
  assert.deepEqual(grey.slice(8), ['1', '0']);

  const show = db('192.0.2.7', 'TRAP@example.org');
  assert.equal(show.status, 0, show.stderr);
  assert.deepEqual(show.stdout.trimEnd().split('\n').map((l) => l.split('|')[0]), ['WHITE', 'GREY', 'SPAMTRAP']);
  const missing = db('192.0.2.99');
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr, 'winnow: no entry for 192.0.2.99\n');
  assert.deepEqual(entries().filter((e) => e.kind === 'trapped').length, 1);
  assert.deepEqual(JSON.parse(db('-T', '--json').stdout), [{ kind: 'spamtrap', address: 'trap@example.org' }], '-T alone lists SPAMTRAPs');

  assert.equal(db('-G', '-d', '192.0.2.7').stdout, 'deleted 1 GREY entry for 192.0.2.7\n');
  assert.equal(db('-d', '192.0.2.7').stdout, 'deleted 1 WHITE entry for 192.0.2.7\n');
  assert.equal(db('-t', '-d', '198.51.100.9').stdout, 'deleted 1 TRAPPED entry for 198.51.100.9\n');
  assert.equal(db('-T', '-d', 'trap@example.org').stdout, 'deleted 1 SPAMTRAP entry for trap@example.org\n');
  const again = db('-d', '192.0.2.7');
  assert.deepEqual([again.status, again.stderr], [1, 'winnow: no WHITE entry for 192.0.2.7\n']);
  assert.deepEqual(entries().map((e) => e.kind), ['grey'], 'only the other IP\'s tuple is left');
  await withSqlite(async (s) => assert.equal((await s.spamd.list({})).total, 1));
});

test('bad input: a clear error, exit 2, nothing written', async () => {
  const before = listed().stdout;
  const cases: [string[], RegExp][] = [
    [['-a', '192.0.2.1', '192.0.2.300'], /'192\.0\.2\.300' is not an IPv4 or IPv6 address/],
    [['-t', '-a', 'mail.example.com'], /is not an IPv4 or IPv6 address/],
    [['-T', '-a', 'ok@example.org', 'no-at-sign'], /'no-at-sign' is not a spamtrap address: it must contain @/],
    [['-G', '-a', '192.0.2.1'], /GREY entries cannot be added/],
    [['-a', '-d', '192.0.2.1'], /-a and -d exclude each other/],
    [['-t', '-T', '-a', 'x@y.example'], /-t, -T exclude each other/],
    [['-a'], /-a needs at least one key/],
    [['--bogus'], /unknown option/],
  ];
  for (const [args, message] of cases) {
    const r = db(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.equal(r.stdout, '');
  }
  assert.equal(listed().stdout, before, 'nothing was written');
  await withSqlite(async (s) => {
    assert.equal(await s.spamd.white('192.0.2.1', Date.now()), undefined);
    assert.equal(await s.spamd.isSpamtrap('ok@example.org'), false);
  });
});

test('the same commands through a shared Redis store', async () => {
  const prefix = `winnow-test:db-cli-${process.pid}-${randomBytes(4).toString('hex')}:`;
  const redisConfig = join(dir, 'redis.yaml');
  writeFileSync(redisConfig, `data_dir: ${JSON.stringify(dataDir)}\nstore:\n  backend: redis\n  host: 127.0.0.1\n  port: 6379\n  prefix: "${prefix}"\n`);
  const admin = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 0 });
  try {
    assert.equal(winnow(redisConfig, '-a', '2001:DB8::25').status, 0);
    assert.equal(winnow(redisConfig, '-T', '-a', 'trap@example.net').status, 0);
    const store = await openStore({ backend: 'redis', host: '127.0.0.1', port: 6379, prefix }, { dataDir });
    try {
      assert.equal((await store.spamd.white('2001:db8::25', Date.now()))?.blocked, 1, 'the IP is stored in canonical form');
      await store.spamd.trap('192.0.2.66', Date.now(), 3_600_000);
    } finally {
      await store.close();
    }
    const out = winnow(redisConfig).stdout.trimEnd().split('\n');
    assert.deepEqual(out.map((l) => l.split('|').slice(0, 2).join('|')), ['WHITE|2001:db8::25', 'TRAPPED|192.0.2.66', 'SPAMTRAP|trap@example.net']);
    assert.equal(winnow(redisConfig, '-t', '-d', '192.0.2.66').stdout, 'deleted 1 TRAPPED entry for 192.0.2.66\n');
  } finally {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length) await admin.del(...keys);
    admin.disconnect();
  }
});
