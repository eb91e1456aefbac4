// Tests of check_host() against a loopback DNS server: lookup and void limits, include/redirect semantics, exp=, ptr, the time budget.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dnsConfigSchema } from '../../dns/config.ts';
import { CachingResolver } from '../../dns/resolver.ts';
import { startDnsServer, type DnsServer, type Zones } from '../../../test/support/dns-server.ts';
import { checkSpf, isCheckableDomain, MAX_DNS_LOOKUPS, targetName, type SpfOutcome } from './evaluate.ts';

const chain = (n: number, prefix: string): Zones =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}.example`, { TXT: [i + 1 < n ? `v=spf1 include:${prefix}${i + 1}.example` : 'v=spf1 ip4:192.0.2.1'] }]));

const ZONES: Zones = {
  // N + 1 records linked by N include terms: ten terms are allowed, eleven are a permerror.
  ...chain(MAX_DNS_LOOKUPS + 1, 'ten'),
  ...chain(MAX_DNS_LOOKUPS + 2, 'eleven'),
  'loop.example': { TXT: ['v=spf1 include:loop.example -all'] },
  'void2.example': { TXT: ['v=spf1 a:nx1.example a:nx2.example ip4:192.0.2.1 -all'] },
  'void3.example': { TXT: ['v=spf1 a:nx1.example a:nx2.example exists:nx3.example ip4:192.0.2.1 -all'] },
  'mx10.example': { TXT: ['v=spf1 mx -all'], MX: Array.from({ length: 10 }, (_, i) => ({ priority: i, exchange: `m${i}.mx.example` })) },
  'mx11.example': { TXT: ['v=spf1 mx -all'], MX: Array.from({ length: 11 }, (_, i) => ({ priority: i, exchange: `m${i}.mx.example` })) },
  'm9.mx.example': { A: ['192.0.2.1'] },
  'inc-none.example': { TXT: ['v=spf1 include:nothing.example -all'] },
  'redir-none.example': { TXT: ['v=spf1 redirect=nothing.example'] },
  'nothing.example': { A: ['192.0.2.200'] },
  'redir.example': { TXT: ['v=spf1 exp=outer-exp.example redirect=target.example'] },
  'target.example': { TXT: ['v=spf1 -all exp=inner-exp.example'] },
  'outer-exp.example': { TXT: ['outer'] },
  'inner-exp.example': { TXT: ['inner for %{d} from %{o}'] },
  'inc-fail.example': { TXT: ['v=spf1 include:target.example ~all exp=outer-exp.example'] },
  'ptr.example': { TXT: ['v=spf1 ptr -all'] },
  '1.2.0.192.in-addr.arpa': { PTR: ['forged.ptr.example', 'mail.ptr.example'] },
  'mail.ptr.example': { A: ['192.0.2.1'] },
  'forged.ptr.example': { A: ['198.51.100.7'] },
  'pmacro.example': { TXT: ['v=spf1 -all exp=p.pmacro.example'] },
  'p.pmacro.example': { TXT: ['host %{p}'] },
  'ptrvoid.example': { TXT: ['v=spf1 ptr a:nx1.example a:nx2.example -all'] },
  'slow.example': { TXT: ['v=spf1 a:hang.example -all'] },
  'mx-empty.example': { TXT: ['v=spf1 mx ip4:192.0.2.1'] },
  'cname.example': { CNAME: 'target.example' },
};

let server: DnsServer;
let dns: CachingResolver;
before(async () => {
  server = await startDnsServer(ZONES, { failures: { 'hang.example': 'timeout', '5.113.0.203.in-addr.arpa': 'servfail' } });
  dns = new CachingResolver(dnsConfigSchema.parse({ servers: [server.address], timeout_ms: 2000, tries: 1, cache_size: 0 }));
});
after(async () => {
  dns.close();
  await server.close();
});

function check(sender: string, ip = '192.0.2.1', extra: { budgetMs?: number; signal?: AbortSignal } = {}): Promise<SpfOutcome> {
  return checkSpf({ ip, sender, helo: 'helo.example' }, { dns, receiver: 'rcv.example', ...extra });
}

describe('limits (RFC 7208 §4.6.4)', () => {
  test('ten DNS-querying terms pass, the eleventh is a permerror', async () => {
    const ten = await check('a@ten0.example');
    assert.equal(ten.result, 'pass');
    assert.equal(ten.lookups, MAX_DNS_LOOKUPS);
    const eleven = await check('a@eleven0.example');
    assert.equal(eleven.result, 'permerror');
    assert.equal(server.queryCount('eleven11.example'), 0, 'the eleventh include is not even asked');
    const loop = await check('a@loop.example');
    assert.equal(loop.result, 'permerror');
    assert.match(loop.problem!, /more than 10 DNS-querying terms/);
  });

  test('two void lookups are allowed, the third is a permerror', async () => {
    const two = await check('a@void2.example');
    assert.deepEqual([two.result, two.voidLookups], ['pass', 2]);
    const three = await check('a@void3.example');
    assert.equal(three.result, 'permerror');
    assert.match(three.problem!, /void/);
  });

  test('an mx term may look up ten MX names, not eleven', async () => {
    assert.equal((await check('a@mx10.example')).result, 'pass');
    assert.equal((await check('a@mx11.example')).result, 'permerror');
  });

  test('a domain without MX records is a void lookup, not a match', async () => {
    const r = await check('a@mx-empty.example');
    assert.deepEqual([r.result, r.voidLookups, r.mechanism], ['pass', 1, 'ip4:192.0.2.1']);
  });
});

describe('include and redirect (RFC 7208 §5.2, §6.1)', () => {
  test('include of a domain without a record is a permerror; so is redirect', async () => {
    assert.equal((await check('a@inc-none.example')).result, 'permerror');
    assert.equal((await check('a@redir-none.example')).result, 'permerror');
  });

  test("redirect uses the target's exp, evaluated with the target as %{d}", async () => {
    const r = await check('a@redir.example', '198.51.100.1');
    assert.deepEqual([r.result, r.explanation, r.domain, r.mechanism], ['fail', 'inner for target.example from redir.example', 'redir.example', '-all']);
  });

  test("a fail inside include is no match; the outer record's exp is not used for softfail", async () => {
    const r = await check('a@inc-fail.example', '198.51.100.1');
    assert.deepEqual([r.result, r.explanation], ['softfail', undefined]);
  });

  test('a record reached through a CNAME is used', async () => {
    assert.equal((await check('a@cname.example', '198.51.100.1')).result, 'fail');
  });
});

describe('ptr and %{p} (RFC 7208 §5.5, §7.3)', () => {
  test('only names whose addresses lead back to the client count', async () => {
    const r = await check('a@ptr.example');
    assert.deepEqual([r.result, r.mechanism], ['pass', 'ptr']);
    assert.equal((await check('a@ptr.example', '198.51.100.7')).result, 'fail');
  });

  test('%{p} is the validated name, or "unknown"', async () => {
    assert.equal((await check('a@pmacro.example')).explanation, 'host mail.ptr.example');
    assert.equal((await check('a@pmacro.example', '203.0.113.9')).explanation, 'host unknown');
  });

  test('an empty PTR answer is a void lookup for ptr; a failed PTR query is no match and not void', async () => {
    const nx = await check('a@ptrvoid.example', '203.0.113.9');
    assert.deepEqual([nx.result, nx.voidLookups], ['permerror', 3]);
    const failed = await check('a@ptrvoid.example', '203.0.113.5');
    assert.deepEqual([failed.result, failed.voidLookups], ['fail', 2]);
  });
});

describe('time budget', () => {
  test('a query that never returns ends in temperror when the budget is spent', async () => {
    const started = Date.now();
    const r = await check('a@slow.example', '192.0.2.1', { budgetMs: 300 });
    assert.equal(r.result, 'temperror');
    assert.match(r.problem!, /budget/);
    assert.ok(Date.now() - started < 1500, 'gave up near the budget, not at the resolver timeout');
  });

  test('an aborted signal ends the evaluation with temperror', async () => {
    const ctl = new AbortController();
    const p = check('a@slow.example', '192.0.2.1', { signal: ctl.signal });
    setTimeout(() => ctl.abort(), 50);
    assert.equal((await p).result, 'temperror');
  });
});

describe('names', () => {
  test('target names: trailing dot, truncation to 253 characters, bad labels', () => {
    assert.equal(targetName('example.com.'), 'example.com');
    const long = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.example.com`;
    assert.equal(targetName(long), `${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.example.com`);
    assert.equal(targetName(`${'a'.repeat(64)}.example.com`), undefined);
    assert.equal(targetName('a..example.com'), undefined);
  });

  test('checkable domains (RFC 7208 §4.3)', () => {
    for (const ok of ['example.com', 'mail.example.com.', 'xn--bcher-kva.example']) assert.equal(isCheckableDomain(ok), true, ok);
    for (const bad of ['localhost', '[192.0.2.1]', '192.0.2.1', 'a..example.com', `${'a'.repeat(64)}.example.com`, '']) {
      assert.equal(isCheckableDomain(bad), false, bad);
    }
  });

  test('an uncheckable identity is none without any DNS query', async () => {
    const before = server.queryCount();
    assert.equal((await checkSpf({ ip: '192.0.2.1', sender: '', helo: '[192.0.2.1]' }, { dns })).result, 'none');
    assert.equal((await checkSpf({ ip: 'not-an-ip', sender: 'a@ten0.example', helo: 'x' }, { dns })).result, 'none');
    assert.equal(server.queryCount(), before);
  });
});
