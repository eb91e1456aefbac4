// The real `winnow` command: help everywhere, scanning files and stdin, config check/dump, checks listing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/daemon.ts';

const dir = mkdtempSync(join(tmpdir(), 'winnow-cli-'));
const configPath = join(dir, 'winnow.yaml');
writeFileSync(configPath, `data_dir: ${JSON.stringify(join(dir, 'data'))}\ndns: { servers: ['127.0.0.1:1'], timeout_ms: 200, tries: 1 }\n`);

function winnow(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/winnow.js'), ...args], { encoding: 'utf8', input, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const GTUBE_MSG =
  'From: a@example.com\r\nTo: b@example.org\r\nSubject: test\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <g@example.com>\r\n\r\n' +
  'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\r\n';

test('every command answers --help', () => {
  for (const args of [[], ['serve'], ['scan'], ['checks'], ['config'], ['config', 'check'], ['config', 'dump'], ['pw']]) {
    const r = winnow([...args, '--help']);
    assert.equal(r.status, 0, `${args.join(' ')} --help: ${r.stderr}`);
    assert.match(r.stdout, /^Usage: winnow/m, args.join(' '));
  }
});

test('scan: a GTUBE file is rejected, from a file and from stdin, in text and JSON', () => {
  const file = join(dir, 'gtube.eml');
  writeFileSync(file, GTUBE_MSG);
  const text = winnow(['scan', '-c', configPath, file]);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^Action: reject$/m);
  assert.match(text.stdout, /^Symbol: GTUBE /m);
  const json = winnow(['scan', '-c', configPath, '--json', '-i', '192.0.2.1', '-F', 'a@example.com', '-r', 'b@example.org', '-'], GTUBE_MSG);
  assert.equal(json.status, 0, json.stderr);
  const parsed = JSON.parse(json.stdout) as { action: string; file: string; symbols: Record<string, unknown> };
  assert.equal(parsed.action, 'reject');
  assert.equal(parsed.file, 'stdin');
  assert.ok(parsed.symbols.GTUBE);
});

test('scan: an invalid IP option and a missing file are clear errors', () => {
  const badIp = winnow(['scan', '-c', configPath, '-i', '300.1.1.1', '-'], '');
  assert.notEqual(badIp.status, 0);
  assert.match(badIp.stderr, /'300\.1\.1\.1' is not an IPv4 or IPv6 address/);
  const missing = winnow(['scan', '-c', configPath, join(dir, 'nope.eml')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /cannot read .*nope\.eml: ENOENT/);
});

test('config check accepts a good file and names key, rule and value in a bad one', () => {
  const ok = winnow(['config', 'check', '-c', configPath]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /OK \(\d+ checks, \d+ symbols\)/);
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'actions:\n  reject: -1\n  add_header: 6\n');
  const r = winnow(['config', 'check', '-c', bad]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /bad\.yaml:2: actions: threshold for 'reject' \(-1\) is below 'add header' \(6\)/);
  const unknownSymbol = join(dir, 'unknown-symbol.yaml');
  writeFileSync(unknownSymbol, `data_dir: ${JSON.stringify(join(dir, 'data'))}\nsymbols:\n  NO_SUCH_SYMBOL: { weight: 1 }\n`);
  const u = winnow(['config', 'check', '-c', unknownSymbol]);
  assert.equal(u.status, 1);
  assert.match(u.stderr, /symbols\.NO_SUCH_SYMBOL: names no known symbol/);
});

test('config dump shows values with their sources; checks lists symbols in order', () => {
  const dump = winnow(['config', 'dump', '-c', configPath]);
  assert.equal(dump.status, 0, dump.stderr);
  assert.match(dump.stdout, /^actions\.reject = 15\s+# default$/m);
  assert.match(dump.stdout, /^dns\.timeout_ms = 200\s+# .*winnow\.yaml:2$/m);
  const checks = winnow(['checks', '-c', configPath]);
  assert.equal(checks.status, 0, checks.stderr);
  assert.match(checks.stdout, /^phase prefilter:$/m);
  assert.match(checks.stdout, /^\s+GTUBE\s+0\.00 /m);
  const json = JSON.parse(winnow(['checks', '-c', configPath, '--json']).stdout) as { phases: { phase: string; checks: unknown[] }[] };
  assert.ok(json.phases.find((p) => p.phase === 'filter')!.checks.length >= 5);
});

test('pw prints a scrypt hash', () => {
  const r = winnow(['pw', '--password', 'secret']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^\$scrypt\$/);
});
