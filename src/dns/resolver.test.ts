// Tests of CachingResolver against a real DNS server on loopback (test/support/dns-server.ts), counting queries on the server side.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startDnsServer, type DnsServer, type Zones } from '../../test/support/dns-server.ts';
import { fixedClock } from '../core/testing.ts';
import { isWinnowError } from '../errors.ts';
import { dnsConfigSchema, type DnsConfig } from './config.ts';
import { CachingResolver } from './resolver.ts';

const LONG_TXT = 'x'.repeat(250);

function fixtureZones(): Zones {
  return {
    'example.com': {
      A: ['192.0.2.1', '192.0.2.2'],
      AAAA: ['2001:db8::1'],
      TXT: ['v=spf1 -all', ['v=DKIM1; k=rsa; ', 'p=MIGf']],
      MX: [
        { priority: 10, exchange: 'mx1.example.com' },
        { priority: 20, exchange: 'mx2.example.com' },
      ],
    },
    'www.example.com': { CNAME: 'example.com' },
    'short.example.com': { A: ['192.0.2.9'], ttl: 2 },
    'zero.example.com': { A: ['192.0.2.10'], ttl: 0 },
    'big.example.com': { TXT: Array.from({ length: 8 }, (_, i) => `${i}${LONG_TXT}`) },
    '1.2.0.192.in-addr.arpa': { PTR: ['mail.example.com'] },
    '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa': { PTR: ['v6.example.com'] },
  };
}

describe('CachingResolver', () => {
  let server: DnsServer;

  before(async () => {
    server = await startDnsServer(fixtureZones(), {
      failures: { 'slow.example.com': 'timeout', 'broken.example.com': 'servfail', 'refusing.example.com': 'refused' },
    });
  });
  after(() => server.close());

  function resolver(overrides: Partial<DnsConfig> = {}, clock = fixedClock(1_000_000)): CachingResolver {
    server.resetCounts();
    const config = dnsConfigSchema.parse({ servers: [server.address], timeout_ms: 200, tries: 2, ...overrides });
    return new CachingResolver(config, { clock });
  }

  it('answers A, AAAA, TXT (character-strings joined), MX, PTR and follows CNAMEs', async () => {
    const r = resolver();
    assert.deepEqual((await r.a('example.com')).sort(), ['192.0.2.1', '192.0.2.2']);
    assert.deepEqual(await r.aaaa('example.com'), ['2001:db8::1']);
    assert.deepEqual((await r.txt('example.com')).sort(), ['v=DKIM1; k=rsa; p=MIGf', 'v=spf1 -all']);
    assert.deepEqual(
      (await r.mx('example.com')).sort((x, y) => x.priority - y.priority),
      [
        { exchange: 'mx1.example.com', priority: 10 },
        { exchange: 'mx2.example.com', priority: 20 },
      ],
    );
    assert.deepEqual(await r.ptr('192.0.2.1'), ['mail.example.com']);
    assert.deepEqual(await r.ptr('2001:db8::1'), ['v6.example.com']);
    assert.deepEqual(await r.ptr('::ffff:192.0.2.1'), ['mail.example.com']);
    assert.deepEqual((await r.a('www.example.com')).sort(), ['192.0.2.1', '192.0.2.2']);
  });

  it('falls back to TCP for an answer too big for UDP', async () => {
    const r = resolver();
    const txt = await r.txt('big.example.com');
    assert.equal(txt.length, 8);
    assert.ok(txt.every((t) => t.endsWith(LONG_TXT)));
    assert.equal(server.queryCount('big.example.com', 'TXT'), 2, 'one truncated UDP answer, then TCP');
  });

  it('maps NXDOMAIN and NODATA to an empty array for every record type', async () => {
    const r = resolver();
    assert.deepEqual(await r.a('nx.example.com'), []);
    assert.deepEqual(await r.aaaa('nx.example.com'), []);
    assert.deepEqual(await r.txt('nx.example.com'), []);
    assert.deepEqual(await r.mx('nx.example.com'), []);
    assert.deepEqual(await r.ptr('198.51.100.7'), []);
    // NODATA: the name exists, the type does not.
    assert.deepEqual(await r.mx('short.example.com'), []);
    assert.deepEqual(await r.aaaa('short.example.com'), []);
    assert.deepEqual(await r.txt('bad..name'), []);
  });

  it('turns a server that never answers into ERR_DNS_TEMPFAIL within timeout × tries', async () => {
    const r = resolver({ timeout_ms: 150, tries: 2 });
    const t0 = performance.now();
    await assert.rejects(r.a('slow.example.com'), (err) => isWinnowError(err, 'ERR_DNS_TEMPFAIL'));
    const elapsed = performance.now() - t0;
    assert.ok(elapsed >= 140, `gave up after ${elapsed} ms, before the first try timed out`);
    assert.ok(elapsed < 300 + 200, `took ${elapsed} ms, budget 300 ms`);
    assert.equal(r.stats().tempfails, 1);
  });

  it('turns SERVFAIL and REFUSED into ERR_DNS_TEMPFAIL and does not cache them', async () => {
    const r = resolver();
    await assert.rejects(r.txt('broken.example.com'), (err) => isWinnowError(err, 'ERR_DNS_TEMPFAIL'));
    await assert.rejects(r.mx('refusing.example.com'), (err) => isWinnowError(err, 'ERR_DNS_TEMPFAIL'));
    const before = server.queryCount('broken.example.com');
    await assert.rejects(r.txt('broken.example.com'), (err) => isWinnowError(err, 'ERR_DNS_TEMPFAIL'));
    assert.ok(server.queryCount('broken.example.com') > before, 'a failure was served from the cache');
  });

  it('serves a repeated query from the cache, whatever the case or trailing dot', async () => {
    const r = resolver();
    await r.a('example.com');
    await r.a('EXAMPLE.com.');
    await r.txt('example.com');
    await r.txt('example.com');
    assert.equal(server.queryCount('example.com', 'A'), 1);
    assert.equal(server.queryCount('example.com', 'TXT'), 1);
    assert.equal(r.stats().cacheHits, 2);
  });

  it('caches negative answers, for negative_ttl_s only', async () => {
    const clock = fixedClock(1_000_000);
    const r = resolver({ negative_ttl_s: 5 }, clock);
    await r.a('nx.example.com');
    await r.a('nx.example.com');
    assert.equal(server.queryCount('nx.example.com'), 1);
    clock.set(1_000_000 + 5_000);
    await r.a('nx.example.com');
    assert.equal(server.queryCount('nx.example.com'), 2);
  });

  it('re-asks once an A record TTL has passed and sees the new data', async () => {
    const clock = fixedClock(1_000_000);
    const r = resolver({}, clock);
    assert.deepEqual(await r.a('short.example.com'), ['192.0.2.9']);
    clock.set(1_000_000 + 1_999);
    assert.deepEqual(await r.a('short.example.com'), ['192.0.2.9']);
    assert.equal(server.queryCount('short.example.com', 'A'), 1);
    server.zones['short.example.com'] = { A: ['192.0.2.99'], ttl: 2 };
    try {
      clock.set(1_000_000 + 2_000);
      assert.deepEqual(await r.a('short.example.com'), ['192.0.2.99']);
      assert.equal(server.queryCount('short.example.com', 'A'), 2);
    } finally {
      server.zones['short.example.com'] = fixtureZones()['short.example.com'];
    }
  });

  it('keeps TXT/MX/PTR for default_ttl_s and never longer than max_ttl_s', async () => {
    const clock = fixedClock(1_000_000);
    const r = resolver({ default_ttl_s: 60, max_ttl_s: 10 }, clock);
    await r.mx('example.com');
    clock.set(1_000_000 + 9_999);
    await r.mx('example.com');
    assert.equal(server.queryCount('example.com', 'MX'), 1);
    clock.set(1_000_000 + 10_000);
    await r.mx('example.com');
    assert.equal(server.queryCount('example.com', 'MX'), 2);
  });

  it('does not cache a TTL of 0', async () => {
    const r = resolver();
    await r.a('zero.example.com');
    await r.a('zero.example.com');
    assert.equal(server.queryCount('zero.example.com', 'A'), 2);
  });

  it('sends one query for concurrent identical lookups', async () => {
    const r = resolver({ cache_size: 0 });
    const answers = await Promise.all(Array.from({ length: 5 }, () => r.a('example.com')));
    assert.equal(server.queryCount('example.com', 'A'), 1);
    for (const a of answers) assert.deepEqual(a.sort(), ['192.0.2.1', '192.0.2.2']);
    assert.equal(r.stats().inflightJoins, 4);
    // With no cache, the next sequential lookup goes to the server again.
    await r.a('example.com');
    assert.equal(server.queryCount('example.com', 'A'), 2);
  });

  it('evicts the least recently used answer when the cache is full', async () => {
    const r = resolver({ cache_size: 2 });
    await r.a('example.com');
    await r.aaaa('example.com');
    await r.a('example.com'); // refreshes A, so AAAA is now the oldest
    await r.mx('example.com'); // evicts AAAA
    await r.a('example.com');
    await r.aaaa('example.com');
    assert.equal(server.queryCount('example.com', 'A'), 1);
    assert.equal(server.queryCount('example.com', 'AAAA'), 2);
  });

  it('hands each caller its own array', async () => {
    const r = resolver();
    const first = await r.txt('example.com');
    first.length = 0;
    assert.equal((await r.txt('example.com')).length, 2);
  });

  it('rejects a PTR lookup of something that is not an IP address', async () => {
    const r = resolver();
    await assert.rejects(r.ptr('mail.example.com'), (err) => isWinnowError(err, 'ERR_INVALID_ARGUMENT'));
  });

  it('talks to a server given as [::1]:port', async () => {
    const v6 = await startDnsServer({ 'v6only.example': { A: ['192.0.2.66'] } }, { host: '::1' });
    try {
      const r = new CachingResolver(dnsConfigSchema.parse({ servers: [v6.address] }));
      assert.match(v6.address, /^\[::1\]:\d+$/);
      assert.deepEqual(await r.a('v6only.example'), ['192.0.2.66']);
    } finally {
      await v6.close();
    }
  });
});
