// SPF record → networks against a loopback DNS server with fixture zones: include chains, redirect, a/mx with CIDR lengths, loops, limits; and the written whitelist file.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dnsConfigSchema } from '../../dns/config.ts';
import { CachingResolver } from '../../dns/resolver.ts';
import { MemoryLogger } from '../../log/memory-logger.ts';
import { startDnsServer, type DnsServer, type Zones } from '../../../test/support/dns-server.ts';
import { parseListText, toCidrs } from './list-file.ts';
import { MAX_SPF_LOOKUPS, resolveSpfNetworks } from './spf-networks.ts';
import { writeSpfWhitelist } from './spf-whitelist.ts';

const deepChain: Zones = {};
for (let i = 0; i < MAX_SPF_LOOKUPS + 5; i++) deepChain[`n${i}.wide.example`] = { TXT: [`v=spf1 ip4:10.${i}.0.0/16 include:n${i + 1}.wide.example -all`] };

/** One record with more includes than MAX_SPF_LOOKUPS, split into 255-byte character-strings. */
const fan: Zones = {};
const fanTerms = Array.from({ length: MAX_SPF_LOOKUPS + 5 }, (_, i) => `include:l${i}.fan.example`);
for (let i = 0; i < fanTerms.length; i++) fan[`l${i}.fan.example`] = { TXT: [`v=spf1 ip4:10.200.${i}.0/24 -all`] };
const fanRecord = `v=spf1 ${fanTerms.join(' ')} -all`;
fan['fan.example'] = { TXT: [fanRecord.match(/.{1,255}/g)!] };

const ZONES: Zones = {
  ...fan,
  // A big sender: include chain, redirect, a and mx with CIDR lengths, IPv6.
  'big.example': { TXT: ['v=spf1 include:_spf.big.example a mx/28 ip6:2001:db8:b16::/48 ~all'], A: ['192.0.2.10'], MX: [{ priority: 10, exchange: 'mx1.big.example' }, { priority: 20, exchange: 'mx2.big.example' }] },
  'mx1.big.example': { A: ['198.51.100.17'], AAAA: ['2001:db8:ffff::1'] },
  'mx2.big.example': { A: ['198.51.100.40'] },
  '_spf.big.example': { TXT: ['v=spf1 include:_netblocks.big.example include:_netblocks2.big.example -all'] },
  '_netblocks.big.example': { TXT: ['v=spf1 ip4:203.0.113.0/25 ip4:203.0.113.128/25 -all'] },
  '_netblocks2.big.example': { TXT: [['v=spf1 ip4:172.16.0.0/12 ', 'a:relay.big.example/24 -all']] },
  'relay.big.example': { A: ['100.64.7.9'] },
  // redirect= and the %{d} macro; an `all` term never reaches its redirect.
  'redir.example': { TXT: ['v=spf1 redirect=_spf.%{d}'] },
  '_spf.redir.example': { TXT: ['v=spf1 ip4:192.0.2.128/26 -all'] },
  'allredir.example': { TXT: ['v=spf1 ip4:192.0.2.1 -all redirect=_spf.redir.example'] },
  // Loops: a → b → a, and a record including itself.
  'loop-a.example': { TXT: ['v=spf1 ip4:198.18.0.1 include:loop-b.example -all'] },
  'loop-b.example': { TXT: ['v=spf1 ip4:198.18.0.2 include:loop-a.example -all'] },
  'self.example': { TXT: ['v=spf1 include:self.example ip4:198.18.1.1 -all'] },
  // What cannot or must not be listed.
  'odd.example': { TXT: ['v=spf1 -ip4:192.0.2.99 ~ip4:192.0.2.98 ptr exists:%{i}.x.odd.example include:%{l}.odd.example ip4:0.0.0.0/1 +all'] },
  'none.example': { TXT: ['not spf'] },
  'two.example': { TXT: ['v=spf1 -all', 'v=spf1 +all'] },
  'syntax.example': { TXT: ['v=spf1 ip4:300.0.0.1 -all'] },
  'partfail.example': { TXT: ['v=spf1 ip4:192.0.2.200 include:hang.example -all'] },
  ...deepChain,
};

let server: DnsServer;
let dns: CachingResolver;
const dir = mkdtempSync(join(tmpdir(), 'winnow-spf-wl-'));
before(async () => {
  server = await startDnsServer(ZONES, { failures: { 'hang.example': 'servfail' } });
  dns = new CachingResolver(dnsConfigSchema.parse({ servers: [server.address], timeout_ms: 300, tries: 1 }));
});
after(async () => {
  dns.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a big sender: include chain, a, mx/28 (IPv6 mx hosts at /128), ip6, nested a:host/24', async () => {
  const r = await resolveSpfNetworks('Big.Example.', dns);
  assert.equal(r.domain, 'big.example');
  assert.deepEqual(r.networks, [
    '100.64.7.0/24',
    '172.16.0.0/12',
    '192.0.2.10/32',
    '198.51.100.16/28',
    '198.51.100.32/28',
    '203.0.113.0/24',
    '2001:db8:b16::/48',
    '2001:db8:ffff::1/128',
  ]);
  assert.deepEqual(r.problems, []);
  assert.equal(r.incomplete, false);
  assert.equal(r.lookups, 6, 'include ×3, a, mx, a:relay');
});

test('redirect with %{d}; a record with `all` ignores its redirect', async () => {
  assert.deepEqual((await resolveSpfNetworks('redir.example', dns)).networks, ['192.0.2.128/26']);
  assert.deepEqual((await resolveSpfNetworks('allredir.example', dns)).networks, ['192.0.2.1/32']);
});

test('loops end with what was found and a note', async () => {
  const r = await resolveSpfNetworks('loop-a.example', dns);
  assert.deepEqual(r.networks, ['198.18.0.1/32', '198.18.0.2/32']);
  assert.match(r.problems.join('\n'), /loop-a\.example already followed/);
  const self = await resolveSpfNetworks('self.example', dns);
  assert.deepEqual(self.networks, ['198.18.1.1/32']);
  assert.equal(self.problems.length, 1);
});

test('fail/softfail terms, ptr, exists, client macros, too-wide networks and +all are not listed', async () => {
  const r = await resolveSpfNetworks('odd.example', dns);
  assert.deepEqual(r.networks, []);
  const text = r.problems.join('\n');
  for (const want of [/ptr: depends on the client/, /exists:.*depends on the client/, /include:%\{l\}.odd.example: uses client macros/, /0\.0\.0\.0\/1 is too wide/, /\+all: authorises every address/]) {
    assert.match(text, want);
  }
  assert.doesNotMatch(text, /192\.0\.2\.9[89]/, '-ip4 and ~ip4 are skipped silently: they authorise nobody');
});

test('no record, two records, a syntax error: no networks and the reason', async () => {
  assert.deepEqual(await resolveSpfNetworks('none.example', dns), { domain: 'none.example', networks: [], problems: ['none.example: no SPF record'], incomplete: false, lookups: 0 });
  assert.deepEqual((await resolveSpfNetworks('two.example', dns)).problems, ['two.example: more than one SPF record']);
  assert.match((await resolveSpfNetworks('syntax.example', dns)).problems[0], /invalid SPF record/);
  assert.match((await resolveSpfNetworks('not a domain', dns)).problems[0], /not a valid domain/);
});

test('an endless include chain stops at the lookup or depth limit', async () => {
  const r = await resolveSpfNetworks('n0.wide.example', dns);
  // n0 … n10 (depth 0 to 10) are followed: 10.0.0.0/16 … 10.10.0.0/16, collapsed.
  assert.deepEqual(r.networks, ['10.0.0.0/13', '10.8.0.0/15', '10.10.0.0/16']);
  assert.match(r.problems.join('\n'), /nesting deeper than 10/);
});

test('a huge fan-out stops at the lookup limit', async () => {
  const r = await resolveSpfNetworks('fan.example', dns);
  // l0 … l39 are followed: 10.200.0.0/24 … 10.200.39.0/24, collapsed.
  assert.deepEqual(r.networks, ['10.200.0.0/19', '10.200.32.0/21']);
  assert.equal(r.lookups, MAX_SPF_LOOKUPS + 5, 'every term is counted, only the first 40 followed');
  assert.match(r.problems.join('\n'), new RegExp(`more than ${MAX_SPF_LOOKUPS} DNS-querying terms`));
});

test('a DNS failure marks the result incomplete; the file keeps that domain\'s previous networks', async () => {
  const partial = await resolveSpfNetworks('partfail.example', dns);
  assert.equal(partial.incomplete, true);
  assert.deepEqual(partial.networks, ['192.0.2.200/32']);

  const path = join(dir, 'spf-whitelist.txt');
  const log = new MemoryLogger();
  const first = await writeSpfWhitelist({ domains: ['big.example', 'redir.example'], dns, path, log });
  assert.deepEqual(first.map((r) => [r.domain, r.networks, r.kept]), [['big.example', 8, false], ['redir.example', 1, false]]);
  const text = readFileSync(path, 'utf8');
  assert.match(text, /^# winnow whitelist spf/);
  assert.match(text, /^192\.0\.2\.128\/26 # redir\.example$/m);
  // The file is a valid list source: the spamd-setup parser reads every network back.
  const parsed = parseListText(text);
  assert.equal(parsed.badCount, 0);
  assert.equal(toCidrs(parsed.ranges).length, 9);

  // redir.example's record now points at a failing server: its networks stay; big.example changes.
  server.zones['_spf.redir.example'] = { TXT: ['v=spf1 include:hang.example'] };
  server.zones['_netblocks.big.example'] = { TXT: ['v=spf1 ip4:203.0.113.0/25 -all'] };
  dns.close();
  dns = new CachingResolver(dnsConfigSchema.parse({ servers: [server.address], timeout_ms: 300, tries: 1 }));
  const second = await writeSpfWhitelist({ domains: ['big.example', 'redir.example'], dns, path, log });
  assert.deepEqual(second.map((r) => [r.domain, r.networks, r.kept]), [['big.example', 8, false], ['redir.example', 1, true]]);
  const after = readFileSync(path, 'utf8');
  assert.match(after, /^192\.0\.2\.128\/26 # redir\.example$/m);
  assert.match(after, /^203\.0\.113\.0\/25 # big\.example$/m);
  assert.doesNotMatch(after, /^203\.0\.113\.0\/24/m);
  assert.ok(log.records.some((r) => r.level === 'warn' && /redir\.example.*keeping its previous networks/.test(r.msg)));
});
