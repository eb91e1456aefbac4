// Tests of the spf check through the real scan pipeline, with a loopback DNS server: one case per result, HELO identity, skips, forced actions, headers, shared result.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defineCheck } from '../../core/check.ts';
import { scanWith, testContext } from '../../core/testing.ts';
import type { ScanRequest, ScanResult } from '../../core/types.ts';
import { dnsConfigSchema } from '../../dns/config.ts';
import { CachingResolver } from '../../dns/resolver.ts';
import { startDnsServer, type DnsServer } from '../../../test/support/dns-server.ts';
import { spfCheck, type SharedSpfResult } from './index.ts';

const ZONES = {
  'pass.example': { TXT: ['v=spf1 ip4:192.0.2.0/24 -all'] },
  'fail.example': { TXT: ['v=spf1 ip4:198.51.100.1 -all exp=why.fail.example'] },
  'why.fail.example': { TXT: ['%{i} may not send for %{d}'] },
  'plainfail.example': { TXT: ['v=spf1 -all'] },
  'soft.example': { TXT: ['v=spf1 ~all'] },
  'neutral.example': { TXT: ['v=spf1 ?all'] },
  'norecord.example': { TXT: ['some other text'] },
  'broken.example': { TXT: ['v=spf1 ip4:300.1.1.1 -all'] },
  'slow.example': { TXT: ['v=spf1 include:hang.example -all'] },
  'mx.helo.example': { TXT: ['v=spf1 a -all'], A: ['192.0.2.25'] },
  'v6.example': { TXT: ['v=spf1 ip6:2001:db8::/32 -all'] },
};

let server: DnsServer;
let dns: CachingResolver;
before(async () => {
  server = await startDnsServer(ZONES, { failures: { 'hang.example': 'timeout' } });
  dns = new CachingResolver(dnsConfigSchema.parse({ servers: [server.address], timeout_ms: 200, tries: 1 }));
});
after(async () => {
  dns.close();
  await server.close();
});

/** Reads the shared result back out of the scan, the way greylisting will. */
const sharedProbe = defineCheck<'PROBE_SPF'>({
  name: 'probe',
  description: 'test probe',
  phase: 'prefilter',
  dependsOn: ['spf'],
  symbols: { PROBE_SPF: { weight: 0, description: 'shared spf result' } },
  run(task) {
    const s = task.shared.get('spf') as SharedSpfResult | undefined;
    if (s) task.hit('PROBE_SPF', [s.result, s.domain, s.identity]);
  },
});

function scan(req: Partial<ScanRequest>, config: Record<string, unknown> = {}): Promise<ScanResult> {
  const ctx = testContext({ dns });
  return scanWith([spfCheck, sharedProbe], undefined, { clientIp: '192.0.2.10', helo: 'mx.helo.example', ...req }, {
    ctx,
    checks: { spf: { authserv_id: 'mx.winnow.test', ...config } },
  });
}

function spfSymbols(r: ScanResult): string[] {
  return Object.keys(r.symbols).filter((s) => s.startsWith('R_SPF_'));
}

function header(r: ScanResult, name: string): string | undefined {
  return r.addHeaders.find((h) => h.name === name)?.value;
}

describe('spf check: one symbol per result', () => {
  const table: [string, Partial<ScanRequest>, string, string[]][] = [
    ['pass', { mailFrom: 'a@pass.example' }, 'R_SPF_ALLOW', ['pass.example', 'ip4:192.0.2.0/24']],
    ['fail', { mailFrom: 'a@plainfail.example' }, 'R_SPF_FAIL', ['plainfail.example', '-all']],
    ['softfail', { mailFrom: 'a@soft.example' }, 'R_SPF_SOFTFAIL', ['soft.example', '~all']],
    ['neutral', { mailFrom: 'a@neutral.example' }, 'R_SPF_NEUTRAL', ['neutral.example', '?all']],
    ['none', { mailFrom: 'a@norecord.example' }, 'R_SPF_NA', ['norecord.example']],
    ['permerror', { mailFrom: 'a@broken.example' }, 'R_SPF_PERMFAIL', ['broken.example', 'broken.example: bad address in ip4:300.1.1.1']],
    ['temperror', { mailFrom: 'a@slow.example' }, 'R_SPF_DNSFAIL', ['slow.example']],
    ['ipv6 pass', { mailFrom: 'a@v6.example', clientIp: '2001:db8::25' }, 'R_SPF_ALLOW', ['v6.example', 'ip6:2001:db8::/32']],
  ];
  for (const [name, req, symbol, options] of table) {
    test(name, async () => {
      const r = await scan(req, { reject_on: 'never', defer_on_temperror: false });
      assert.deepEqual(spfSymbols(r), [symbol]);
      if (symbol === 'R_SPF_DNSFAIL') assert.equal(r.symbols[symbol].options[0], options[0]);
      else assert.deepEqual(r.symbols[symbol].options, options);
      assert.equal(r.forced, undefined);
    });
  }

  test('weights are rspamd defaults', async () => {
    const r = await scan({ mailFrom: 'a@pass.example' });
    assert.equal(r.symbols.R_SPF_ALLOW.score, -0.2);
    const f = await scan({ mailFrom: 'a@plainfail.example' }, { reject_on: 'never' });
    assert.equal(f.symbols.R_SPF_FAIL.score, 1);
  });
});

describe('spf check: identity', () => {
  test('the null sender checks postmaster@HELO', async () => {
    const r = await scan({ mailFrom: '', clientIp: '192.0.2.25' });
    assert.deepEqual(r.symbols.R_SPF_ALLOW?.options, ['mx.helo.example', 'a']);
    assert.deepEqual(r.symbols.PROBE_SPF.options, ['pass', 'mx.helo.example', 'helo']);
    assert.match(header(r, 'Received-SPF')!, /identity=helo;/);
  });

  test('a null sender from a host its HELO domain does not list fails', async () => {
    const r = await scan({ mailFrom: '', clientIp: '192.0.2.99' }, { reject_on: 'never' });
    assert.ok(r.symbols.R_SPF_FAIL);
  });

  test('the shared result carries the MAIL FROM identity and domain', async () => {
    const r = await scan({ mailFrom: 'someone@pass.example' });
    assert.deepEqual(r.symbols.PROBE_SPF.options, ['pass', 'pass.example', 'mailfrom']);
  });

  test('missing envelope facts give R_SPF_NA with the reason, without DNS', async () => {
    const before = server.queryCount();
    assert.deepEqual((await scan({ clientIp: undefined, mailFrom: 'a@pass.example' })).symbols.R_SPF_NA.options, ['no client IP']);
    assert.deepEqual((await scan({ mailFrom: undefined })).symbols.R_SPF_NA.options, ['no envelope sender']);
    assert.deepEqual((await scan({ mailFrom: '', helo: undefined })).symbols.R_SPF_NA.options, ['null sender and no HELO']);
    assert.equal(server.queryCount(), before);
  });
});

describe('spf check: skips', () => {
  test('SASL-authenticated clients are not checked (unless configured)', async () => {
    const r = await scan({ mailFrom: 'a@plainfail.example', user: 'alice' });
    assert.deepEqual(spfSymbols(r), []);
    assert.equal(r.forced, undefined);
    const checked = await scan({ mailFrom: 'a@plainfail.example', user: 'alice' }, { skip_authenticated: false, reject_on: 'never' });
    assert.deepEqual(spfSymbols(checked), ['R_SPF_FAIL']);
  });

  test('clients in skip_networks are not checked; loopback by default', async () => {
    assert.deepEqual(spfSymbols(await scan({ mailFrom: 'a@plainfail.example', clientIp: '127.0.0.1' })), []);
    assert.deepEqual(spfSymbols(await scan({ mailFrom: 'a@plainfail.example', clientIp: '::1' })), []);
    const mynet = { skip_networks: ['192.0.2.0/25', '2001:db8:1::/48'] };
    assert.deepEqual(spfSymbols(await scan({ mailFrom: 'a@plainfail.example', clientIp: '192.0.2.100' }, mynet)), []);
    assert.deepEqual(spfSymbols(await scan({ mailFrom: 'a@plainfail.example', clientIp: '2001:db8:1::5' }, mynet)), []);
    const outside = await scan({ mailFrom: 'a@plainfail.example', clientIp: '192.0.2.200' }, { ...mynet, reject_on: 'never' });
    assert.deepEqual(spfSymbols(outside), ['R_SPF_FAIL']);
  });

  test('a bad skip_networks entry is a config error naming the key', async () => {
    await assert.rejects(scan({ mailFrom: 'a@pass.example' }, { skip_networks: ['10.0.0.0/33'] }), /skip_networks/);
  });
});

describe('spf check: policy actions', () => {
  test('fail rejects by default with 550 5.7.23 and the domain explanation', async () => {
    const r = await scan({ mailFrom: 'a@fail.example' });
    assert.equal(r.forced?.action, 'reject');
    assert.equal(r.forced?.message, '550 5.7.23 192.0.2.10 may not send for fail.example');
  });

  test('without an explanation the reply text is ours', async () => {
    const r = await scan({ mailFrom: 'a@plainfail.example' });
    assert.equal(r.forced?.message, '550 5.7.23 SPF fail: plainfail.example does not allow 192.0.2.10 to send mail for a@plainfail.example');
  });

  test('softfail passes by default and rejects with reject_on: softfail', async () => {
    assert.equal((await scan({ mailFrom: 'a@soft.example' })).forced, undefined);
    const r = await scan({ mailFrom: 'a@soft.example' }, { reject_on: 'softfail' });
    assert.equal(r.forced?.action, 'reject');
    assert.match(r.forced!.message!, /^550 5\.7\.23 /);
  });

  test('reject_on: never only adds the symbol', async () => {
    assert.equal((await scan({ mailFrom: 'a@plainfail.example' }, { reject_on: 'never' })).forced, undefined);
  });

  test('temperror defers with 451 4.7.24 unless switched off', async () => {
    const r = await scan({ mailFrom: 'a@slow.example' });
    assert.equal(r.forced?.action, 'soft reject');
    assert.equal(r.forced?.message, '451 4.7.24 SPF temporary error for slow.example, try again later');
    assert.equal((await scan({ mailFrom: 'a@slow.example' }, { defer_on_temperror: false })).forced, undefined);
  });

  test('permerror rejects only with reject_on_permerror', async () => {
    assert.equal((await scan({ mailFrom: 'a@broken.example' })).forced, undefined);
    const r = await scan({ mailFrom: 'a@broken.example' }, { reject_on_permerror: true });
    assert.equal(r.forced?.action, 'reject');
    assert.equal(r.forced?.message, '550 5.7.24 SPF permanent error for broken.example: broken.example: bad address in ip4:300.1.1.1');
  });
});

describe('spf check: headers', () => {
  test('Received-SPF by default, in RFC 7208 §9.1 form', async () => {
    const r = await scan({ mailFrom: 'a@pass.example' });
    assert.equal(
      header(r, 'Received-SPF'),
      'pass (mx.winnow.test: domain of a@pass.example designates 192.0.2.10 as permitted sender) client-ip=192.0.2.10; ' +
        'envelope-from="a@pass.example"; helo=mx.helo.example; receiver=mx.winnow.test; identity=mailfrom; mechanism="ip4:192.0.2.0/24";',
    );
    assert.equal(header(r, 'Authentication-Results'), undefined);
  });

  test('Authentication-Results on request, Received-SPF off', async () => {
    const r = await scan({ mailFrom: 'a@soft.example' }, { add_received_spf: false, add_authentication_results: true });
    assert.equal(header(r, 'Received-SPF'), undefined);
    assert.equal(
      header(r, 'Authentication-Results'),
      'mx.winnow.test; spf=softfail (mx.winnow.test: domain of transitioning a@soft.example does not designate 192.0.2.10 as permitted sender) smtp.mailfrom=a@soft.example',
    );
  });

  test('a HELO check reports smtp.helo and a permerror carries the problem', async () => {
    const helo = await scan({ mailFrom: '' }, { add_authentication_results: true });
    assert.match(header(helo, 'Authentication-Results')!, / smtp\.helo=mx\.helo\.example$/);
    const perm = await scan({ mailFrom: 'a@broken.example' });
    assert.match(header(perm, 'Received-SPF')!, /^permerror \(.*\) .* problem="broken\.example: bad address in ip4:300\.1\.1\.1";/);
  });
});

describe('spf check: where the policy applies', () => {
  const message = 'From: a@plainfail.example\r\nSubject: hi\r\n\r\nbody\r\n';
  const full = (config: Record<string, unknown>) =>
    scanWith([spfCheck], message, { clientIp: '192.0.2.10', helo: 'mx.helo.example', mailFrom: 'a@plainfail.example' }, {
      ctx: testContext({ dns }),
      checks: { spf: { authserv_id: 'mx.winnow.test', ...config } },
    });

  test('a full-message scan only scores by default (rspamd style); envelope-only requests are enforced', async () => {
    const r = await full({});
    assert.ok(r.symbols.R_SPF_FAIL);
    assert.equal(r.forced, undefined);
    assert.equal((await scan({ mailFrom: 'a@plainfail.example' })).forced?.action, 'reject');
  });

  test('enforce: always applies the policy to full scans; never only scores', async () => {
    assert.equal((await full({ enforce: 'always' })).forced?.action, 'reject');
    assert.equal((await scan({ mailFrom: 'a@plainfail.example' }, { enforce: 'never' })).forced, undefined);
  });
});
