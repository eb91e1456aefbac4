// The real `winnow blacklist update` and `winnow whitelist spf` against loopback sources: an http server, a file, a command, a DNS server with fixture zones.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDnsServer, type DnsServer } from '../../test/support/dns-server.ts';
import { CachedSpamdLists, parseCache } from '../checks/spamd/lists-cache.ts';

const BIN = fileURLToPath(new URL('../../bin/winnow.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'winnow-blacklist-cli-'));
const dataDir = join(dir, 'data');
let server: Server;
let base = '';
let fail = false;
let dns: DnsServer;

before(async () => {
  server = createServer((req, res) => {
    if (fail) return void res.writeHead(503).end('busy');
    res.end(req.url === '/nixspam.txt' ? '192.0.2.0/24\n198.51.100.1\nthis line is junk\n' : '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  dns = await startDnsServer({
    'big.example': { TXT: ['v=spf1 include:_spf.big.example mx -all'], MX: [{ priority: 5, exchange: 'mx.big.example' }] },
    '_spf.big.example': { TXT: ['v=spf1 ip4:203.0.113.0/24 ip6:2001:db8:1::/48 -all'] },
    'mx.big.example': { A: ['198.51.100.25'] },
    'nospf.example': { TXT: ['hello'] },
  });
});
after(async () => {
  server.closeAllConnections();
  server.close();
  await dns.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI without blocking the event loop: the http and DNS servers live in this process. */
function winnow(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function config(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `data_dir: ${JSON.stringify(dataDir)}\n${body}`);
  return path;
}

test('blacklist update fetches every source, prints counts per source and writes the cache; a failure keeps the previous list, exit 1', async () => {
  writeFileSync(join(dir, 'partners.txt'), '192.0.2.64/26 # partner\n');
  const cfg = config(
    'bl.yaml',
    `checks:
  spamd:
    sources:
      - { name: nixspam, type: black, message: "Listed: %A", source: "${base}/nixspam.txt" }
      - { name: partners, type: white, source: partners.txt }
      - { name: local, type: black, source: "exec:printf '10.9.8.7\\\\n'" }
`,
  );
  const r = await winnow('blacklist', 'update', '-c', cfg);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(
    r.stdout,
    [
      'nixspam (black): 2 network(s) (3 after the white sources), 1 bad line(s)',
      'partners (white): 1 network(s)',
      'local (black): 1 network(s)',
      `written to ${join(dataDir, 'spamd-lists.json')}`,
      '',
    ].join('\n'),
  );
  const lists = new CachedSpamdLists(parseCache(readFileSync(join(dataDir, 'spamd-lists.json'), 'utf8')));
  assert.deepEqual(lists.lookup('192.0.2.1').black, [{ name: 'nixspam', message: 'Listed: %A' }]);
  assert.deepEqual(lists.lookup('192.0.2.70'), { white: true, black: [] });
  assert.equal(lists.lookup('10.9.8.7').black[0]?.name, 'local');

  fail = true;
  try {
    const failed = await winnow('blacklist', 'update', '-c', cfg, '--json');
    assert.equal(failed.status, 1);
    const out = JSON.parse(failed.stdout) as { sources: { name: string; ok: boolean; entries: number; error?: string }[] };
    assert.deepEqual(out.sources[0], { name: 'nixspam', type: 'black', ok: false, entries: 2, effective: 3, bad: 1, error: 'HTTP 503 Service Unavailable' });
    const kept = new CachedSpamdLists(parseCache(readFileSync(join(dataDir, 'spamd-lists.json'), 'utf8')));
    assert.equal(kept.lookup('192.0.2.1').black[0]?.name, 'nixspam', 'the previous list is still in use');
  } finally {
    fail = false;
  }
});

test('blacklist update with no sources configured says so (exit 2)', async () => {
  const r = await winnow('blacklist', 'update', '-c', config('none.yaml', ''));
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no list sources configured/);
});

test('whitelist spf resolves the domains over --dns and writes the file; a domain with no SPF gives exit 1', async () => {
  const out = join(dir, 'spf.txt');
  const r = await winnow('whitelist', 'spf', '-c', config('w.yaml', ''), '--dns', dns.address, '--output', out, 'big.example');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `big.example: 3 network(s)\nwritten to ${out}\n`);
  const lines = readFileSync(out, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  assert.deepEqual(lines, ['198.51.100.25/32 # big.example', '203.0.113.0/24 # big.example', '2001:db8:1::/48 # big.example']);

  const none = await winnow('whitelist', 'spf', '-c', config('w.yaml', ''), '--dns', dns.address, '--output', out, '--json', 'big.example', 'nospf.example');
  assert.equal(none.status, 1);
  const json = JSON.parse(none.stdout) as { domains: { domain: string; networks: number; problems: string[] }[] };
  assert.deepEqual(json.domains.map((d) => [d.domain, d.networks, d.problems]), [['big.example', 3, []], ['nospf.example', 0, ['nospf.example: no SPF record']]]);
});

test('whitelist spf: the configured domains and output by default; bad usage exits 2', async () => {
  const cfg = config('w2.yaml', `checks:\n  spamd:\n    spf_whitelist: { domains: [big.example], output: big.txt }\n`);
  const r = await winnow('whitelist', 'spf', '-c', cfg, '--dns', dns.address);
  assert.equal(r.status, 0, r.stderr);
  assert.match(readFileSync(join(dataDir, 'big.txt'), 'utf8'), /^203\.0\.113\.0\/24 # big\.example$/m);
  const bad = await winnow('whitelist', 'spf', '-c', config('w.yaml', ''), '--dns', dns.address, 'not_a domain');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /'not_a domain' is not a domain name/);
  const noDomains = await winnow('whitelist', 'spf', '-c', config('w.yaml', ''));
  assert.equal(noDomains.status, 2);
  assert.match(noDomains.stderr, /give at least one DOMAIN/);
  const badDns = await winnow('whitelist', 'spf', '--dns', 'nonsense', 'big.example');
  assert.equal(badDns.status, 2);
});
