// The real `winnow greylist` command against a SQLite store, checked against what the greylist check then does with the same store.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { greylistCheck } from '../checks/greylist/index.ts';
import { harness } from '../checks/greylist/test-support.ts';
import { openStore } from '../storage/open-store.ts';

const BIN = fileURLToPath(new URL('../../bin/winnow.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'winnow-greylist-cli-'));
const dataDir = join(dir, 'data');
const configPath = join(dir, 'winnow.yaml');
writeFileSync(configPath, `data_dir: ${JSON.stringify(dataDir)}\nchecks:\n  greylist:\n    enabled: true\n    ipv4_prefix: 24\n`);
after(() => rmSync(dir, { recursive: true, force: true }));

function winnow(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'greylist', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Scans one envelope with the greylist check over the CLI's store, at the real time (the CLI uses the system clock). */
async function scanNow(clientIp: string, mailFrom: string, rcpt: string) {
  const store = await openStore({ backend: 'sqlite' }, { dataDir });
  const h = await harness([greylistCheck], { store, now: Date.now(), checks: { greylist: {} } });
  try {
    return await h.scan({ clientIp, mailFrom, rcptTo: [rcpt] });
  } finally {
    await h.close();
    await store.close();
  }
}

test('every greylist subcommand answers --help', () => {
  for (const sub of [[], ['list'], ['add'], ['delete'], ['whitelist'], ['whitelist', 'list'], ['whitelist', 'add'], ['whitelist', 'delete']]) {
    const r = winnow(...sub, '--help');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Usage: winnow greylist ${sub.join(' ')}`.trimEnd(), 'm'));
  }
});

test('add computes the key as the check does; the check then lets the triplet through; delete makes it greylisted again', async () => {
  const add = winnow('add', '-c', configPath, '--ip', '192.0.2.7', '--sender', 'prvs=0123456789=Alice+news@Sender.Example', '--rcpt', 'Bob@Example.NET');
  assert.equal(add.status, 0, add.stderr);
  const key = '192.0.2.0/alice@sender.example/bob@example.net';
  assert.equal(add.stdout, `added ${key}\n`);

  const list = winnow('list', '-c', configPath, '--json');
  assert.equal(list.status, 0, list.stderr);
  const rows = JSON.parse(list.stdout) as { key: string; passCount: number; state: string }[];
  assert.deepEqual(rows.map((r) => [r.key, r.passCount, r.state]), [[key, 1, 'passed']]);
  assert.match(winnow('list', '-c', configPath).stdout, new RegExp(`^${key.replace(/\./g, '\\.')}\\tpassed\\t`, 'm'));

  const pass = await scanNow('192.0.2.99', 'alice@sender.example', 'bob@example.net');
  assert.equal(pass.action, 'no action');
  assert.deepEqual(pass.symbols.GREYLIST_PASS?.options, ['known']);

  const del = winnow('delete', '-c', configPath, key);
  assert.equal(del.status, 0, del.stderr);
  assert.equal(del.stdout, `deleted ${key}\n`);
  assert.equal((await scanNow('192.0.2.99', 'alice@sender.example', 'bob@example.net')).action, 'greylist');
});

test('list hides the auto-whitelist counters unless --all', async () => {
  const store = await openStore({ backend: 'sqlite' }, { dataDir });
  await store.greylist.seen('awl:203.0.113.0', Date.now(), 86_400_000, 0);
  await store.close();
  const keys = (...extra: string[]) => (JSON.parse(winnow('list', '-c', configPath, '--json', ...extra).stdout) as { key: string; state: string }[]).map((r) => `${r.key} ${r.state}`);
  assert.ok(!keys().includes('awl:203.0.113.0 counter'));
  assert.ok(keys('--all').includes('awl:203.0.113.0 counter'));
});

test('whitelist add stores an IP as its network, which the check honours; list and delete', async () => {
  const add = winnow('whitelist', 'add', '-c', configPath, '198.51.100.20', '--days', '2', '--reason', 'partner MX');
  assert.equal(add.status, 0, add.stderr);
  assert.match(add.stdout, /^whitelisted 198\.51\.100\.0 until \d{4}-\d\d-\d\dT/);
  const r = await scanNow('198.51.100.77', 'x@elsewhere.example', 'bob@example.net');
  assert.equal(r.action, 'no action');
  assert.deepEqual(r.symbols.GREYLIST_WHITELISTED?.options, ['store', '198.51.100.0: partner MX']);

  const list = JSON.parse(winnow('whitelist', 'list', '-c', configPath, '--json').stdout) as { key: string; reason: string }[];
  assert.deepEqual(list.map((e) => [e.key, e.reason]), [['198.51.100.0', 'partner MX']]);
  assert.equal(winnow('whitelist', 'delete', '-c', configPath, '198.51.100.1').stdout, 'deleted 198.51.100.0\n');
  assert.equal((await scanNow('198.51.100.77', 'x@elsewhere.example', 'bob@example.net')).action, 'greylist');
});

test('exit codes: 1 for a missing entry, 2 for usage errors', () => {
  const missing = winnow('delete', '-c', configPath, 'no/such@key/here');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /no greylist entry no\/such@key\/here/);
  assert.equal(winnow('whitelist', 'delete', '-c', configPath, '203.0.113.1').status, 1);
  const cases: [string[], RegExp][] = [
    [['add', '-c', configPath, '--ip', '192.0.2.1'], /give KEY, or all of --ip, --sender and --rcpt/],
    [['add', '-c', configPath, 'k', '--ip', '192.0.2.1'], /either KEY or --ip/],
    [['add', '-c', configPath, '--ip', 'nope', '--sender', 'a@b', '--rcpt', 'c@d'], /--ip: 'nope' is not an IPv4 or IPv6 address/],
    [['whitelist', 'add', '-c', configPath, 'x', '--days', '0'], /positive number of days/],
    [['bogus'], /unknown command/],
  ];
  for (const [args, re] of cases) {
    const r = winnow(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
});
