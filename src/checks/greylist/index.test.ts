// Tests of the greylist check through the real scan pipeline with a memory store and a controlled clock.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineCheck } from '../../core/check.ts';
import type { ScanRequest, ScanResult } from '../../core/types.ts';
import type { SharedSpfResult } from '../spf/index.ts';
import { greylistCheck } from './index.ts';
import { harness, switchableStore, T0, type Harness } from './test-support.ts';
import { version } from '../../version.ts';

const S = 1000;
const DAY = 86_400 * S;
const REQ: Partial<ScanRequest> = { clientIp: '192.0.2.10', mailFrom: 'alice@sender.example', rcptTo: ['bob@example.net'] };

/** Stands in for the SPF check: shares the result given in `facts.spf` (`pass`, `softfail`...). */
const fakeSpf = defineCheck<'FAKE_SPF'>({
  name: 'fake-spf',
  description: 'test: shares an SPF result',
  phase: 'connect',
  symbols: { FAKE_SPF: { weight: 0, description: 'test' } },
  run(task) {
    const result = task.request.facts?.spf;
    if (!result || task.request.mailFrom === undefined) return;
    const domain = task.request.mailFrom.slice(task.request.mailFrom.lastIndexOf('@') + 1);
    task.shared.set('spf', { result, domain, identity: 'mailfrom' } as SharedSpfResult);
  },
});

/** Adds `facts.score` points, and forces `facts.force` when given, so band mode can be driven. */
const scorer = defineCheck<'SCORE'>({
  name: 'scorer',
  description: 'test: adds a given score',
  phase: 'filter',
  symbols: { SCORE: { weight: 1, description: 'test' } },
  run(task) {
    const n = Number(task.request.facts?.score ?? 0);
    if (n !== 0) task.hit('SCORE', [], n);
    if (task.request.facts?.force === 'no action') task.force('no action');
  },
});

async function withHarness(opts: Parameters<typeof harness>[1] & { config?: Record<string, unknown> }, fn: (h: Harness) => Promise<void>): Promise<void> {
  const h = await harness([fakeSpf, scorer, greylistCheck], { ...opts, checks: { greylist: opts.config ?? {} } });
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

function syms(r: ScanResult): Record<string, string[]> {
  return Object.fromEntries(Object.values(r.symbols).filter((s) => s.name.startsWith('GREYLIST_')).map((s) => [s.name, s.options]));
}

test('first attempt is greylisted, an early retry still is, a retry after the delay passes with X-Greylist once', () =>
  withHarness({}, async (h) => {
    const first = await h.scan(REQ);
    assert.equal(first.action, 'greylist');
    assert.deepEqual(syms(first), { GREYLIST_NEW: ['300s'] });
    assert.equal(first.messages.smtp_message, '451 4.7.1 Greylisted, please try again in 300 seconds');
    assert.deepEqual(first.addHeaders, []);

    h.clock.set(T0 + 100 * S);
    const early = await h.scan(REQ);
    assert.equal(early.action, 'greylist');
    assert.deepEqual(syms(early), { GREYLIST_EARLY: ['200s'] });
    assert.equal(early.messages.smtp_message, '451 4.7.1 Greylisted, please try again in 200 seconds');

    h.clock.set(T0 + 400 * S);
    const pass = await h.scan(REQ);
    assert.equal(pass.action, 'no action');
    assert.deepEqual(syms(pass), { GREYLIST_PASS: ['delayed 400s'] });
    assert.deepEqual(pass.addHeaders, [{ name: 'X-Greylist', value: `delayed 400 seconds by winnow-${version}; Fri, 01 Mar 2024 12:06:40 +0000` }]);

    h.clock.set(T0 + 5 * DAY);
    const later = await h.scan(REQ);
    assert.equal(later.action, 'no action');
    assert.deepEqual(syms(later), { GREYLIST_PASS: ['known'] });
    assert.deepEqual(later.addHeaders, [], 'the header marks the delayed delivery only');
  }));

test('a first retry after the retry window starts a new cycle; a passed triplet is forgotten after max age unseen', () =>
  withHarness({}, async (h) => {
    await h.scan(REQ);
    h.clock.set(T0 + 2 * DAY + S);
    assert.deepEqual(syms(await h.scan(REQ)), { GREYLIST_NEW: ['300s'] });
    h.clock.set(T0 + 2 * DAY + 302 * S);
    assert.deepEqual(syms(await h.scan(REQ)), { GREYLIST_PASS: ['delayed 301s'] });
    const lastSeen = T0 + 2 * DAY + 302 * S;
    h.clock.set(lastSeen + 35 * DAY - S);
    assert.deepEqual(syms(await h.scan(REQ)), { GREYLIST_PASS: ['known'] }, 'each sighting extends the life');
    h.clock.set(lastSeen + 70 * DAY);
    assert.deepEqual(syms(await h.scan(REQ)), { GREYLIST_NEW: ['300s'] });
  }));

test('the key: a sibling address of the /24 passes, another /24 does not; sender tags are normalised', () =>
  withHarness({}, async (h) => {
    await h.scan({ ...REQ, mailFrom: 'prvs=1234abcdef=alice+x@Sender.Example' });
    h.clock.set(T0 + 301 * S);
    const sibling = await h.scan({ ...REQ, clientIp: '192.0.2.200', mailFrom: 'prvs=9999ffffff=alice@sender.example' });
    assert.deepEqual(syms(sibling), { GREYLIST_PASS: ['delayed 301s'] });
    assert.deepEqual(syms(await h.scan({ ...REQ, clientIp: '192.0.3.10' })), { GREYLIST_NEW: ['300s'] });
    assert.deepEqual(syms(await h.scan({ ...REQ, rcptTo: ['BOB@EXAMPLE.NET'] })), { GREYLIST_PASS: ['known'] }, 'recipient case');
  }));

test('IPv6 clients are keyed by /64; the null sender is greylisted like any other', () =>
  withHarness({}, async (h) => {
    await h.scan({ clientIp: '2001:db8:1:2::25', mailFrom: '', rcptTo: ['bob@example.net'] });
    h.clock.set(T0 + 300 * S);
    assert.deepEqual(syms(await h.scan({ clientIp: '2001:db8:1:2:ffff::1', mailFrom: '', rcptTo: ['bob@example.net'] })), {
      GREYLIST_PASS: ['delayed 300s'],
    });
    assert.deepEqual((await h.store.greylist.list({ now: T0 + 300 * S })).items.map((e) => e.key), [
      '2001:db8:1:2:://bob@example.net',
      'awl:2001:db8:1:2::',
    ], 'the triplet and the auto-whitelist counter of its network');
  }));

test('several recipients: greylisted while any triplet is new; passes when all have passed', () =>
  withHarness({}, async (h) => {
    await h.scan(REQ);
    h.clock.set(T0 + 300 * S);
    const mixed = await h.scan({ ...REQ, rcptTo: ['bob@example.net', 'carol@example.net'] });
    assert.equal(mixed.action, 'greylist');
    assert.deepEqual(syms(mixed), { GREYLIST_NEW: ['300s'] });
    h.clock.set(T0 + 600 * S);
    const both = await h.scan({ ...REQ, rcptTo: ['bob@example.net', 'carol@example.net'] });
    assert.equal(both.action, 'no action');
    assert.deepEqual(syms(both), { GREYLIST_PASS: ['delayed 300s'] }, 'carol passed now, after 300 s; bob was known');
  }));

test('a client network is auto-whitelisted after N passed triplets and stays so for max age', () =>
  withHarness({ config: { auto_whitelist_passes: 2 } }, async (h) => {
    const net = '198.51.100.0';
    for (const [i, rcpt] of ['a@example.net', 'b@example.net'].entries()) {
      h.clock.set(T0 + i * 1000 * S);
      await h.scan({ ...REQ, clientIp: '198.51.100.7', rcptTo: [rcpt] });
      h.clock.set(T0 + i * 1000 * S + 300 * S);
      assert.deepEqual(syms(await h.scan({ ...REQ, clientIp: '198.51.100.7', rcptTo: [rcpt] })).GREYLIST_PASS, ['delayed 300s']);
      assert.equal(await h.store.greylist.whitelist.get(net, h.clock.now()) !== undefined, i === 1, `whitelisted after pass ${i + 1}`);
    }
    assert.deepEqual(h.log.records.filter((r) => r.msg.includes('auto-whitelisted')).map((r) => r.fields.net), [net]);
    const fresh = await h.scan({ ...REQ, clientIp: '198.51.100.99', mailFrom: 'new@elsewhere.example', rcptTo: ['z@example.net'] });
    assert.equal(fresh.action, 'no action');
    assert.deepEqual(syms(fresh), { GREYLIST_AUTOWL: [net] });
    assert.equal(await h.store.greylist.get(`${net}/new@elsewhere.example/z@example.net`, h.clock.now()), undefined, 'no triplet recorded');
    h.clock.set(T0 + 1300 * S + 36 * DAY);
    assert.deepEqual(syms(await h.scan({ ...REQ, clientIp: '198.51.100.99', rcptTo: ['y@example.net'] })), { GREYLIST_NEW: ['300s'] }, 'expired');
  }));

test('whitelisting off (0) never whitelists; a manual store whitelist entry is honoured', () =>
  withHarness({ config: { auto_whitelist_passes: 0 } }, async (h) => {
    await h.store.greylist.whitelist.add('203.0.113.0', T0 + DAY, 'manual: partner');
    assert.deepEqual(syms(await h.scan({ ...REQ, clientIp: '203.0.113.5' })), { GREYLIST_WHITELISTED: ['store', '203.0.113.0: manual: partner'] });
    await h.scan(REQ);
    h.clock.set(T0 + 300 * S);
    await h.scan(REQ);
    assert.equal((await h.store.greylist.whitelist.list({ now: h.clock.now() })).total, 1);
  }));

async function withDir(files: Record<string, string>, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'winnow-greylist-'));
  try {
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('whitelist files: client IPs/CIDRs, host names by domain and regex, senders, recipients', () =>
  withDir(
    {
      'clients.txt': '# partners\n192.0.2.10\n198.51.100.0/24\n2001:db8:aa::/48\nmail.partner.example\n/^mx\\d+\\.bank\\.example$/\n',
      'senders.txt': 'boss@corp.example\n@newsletter.example\nlists.example.org\n',
      'recipients.txt': 'postmaster@\nabuse@example.net\n',
    },
    async (dir) =>
      withHarness(
        { configDir: dir, config: { whitelist_clients: ['clients.txt'], whitelist_senders: ['senders.txt'], whitelist_recipients: ['recipients.txt'] } },
        async (h) => {
          const cases: [string, Partial<ScanRequest>, Record<string, string[]>][] = [
            ['exact IP', { clientIp: '192.0.2.10' }, { GREYLIST_WHITELISTED: ['clients', '192.0.2.10'] }],
            ['CIDR', { clientIp: '198.51.100.77' }, { GREYLIST_WHITELISTED: ['clients', '198.51.100.0/24'] }],
            ['IPv6 CIDR', { clientIp: '2001:db8:aa:1::9' }, { GREYLIST_WHITELISTED: ['clients', '2001:db8:aa::/48'] }],
            ['host name subdomain', { clientIp: '203.0.113.1', hostname: 'out1.mail.partner.example' }, { GREYLIST_WHITELISTED: ['clients', 'mail.partner.example'] }],
            ['host name regex', { clientIp: '203.0.113.2', hostname: 'MX12.bank.example' }, { GREYLIST_WHITELISTED: ['clients', '/^mx\\d+\\.bank\\.example$/'] }],
            ['unverified host name', { clientIp: '203.0.113.3', hostname: 'unknown' }, { GREYLIST_NEW: ['300s'] }],
            ['sender address', { clientIp: '203.0.113.4', mailFrom: 'Boss@corp.example' }, { GREYLIST_WHITELISTED: ['senders', 'boss@corp.example'] }],
            ['sender @domain', { clientIp: '203.0.113.5', mailFrom: 'x@newsletter.example' }, { GREYLIST_WHITELISTED: ['senders', '@newsletter.example'] }],
            ['sender subdomain', { clientIp: '203.0.113.6', mailFrom: 'x@bounce.lists.example.org' }, { GREYLIST_WHITELISTED: ['senders', 'lists.example.org'] }],
            ['recipient local@', { clientIp: '203.0.113.7', rcptTo: ['Postmaster@anything.example'] }, { GREYLIST_WHITELISTED: ['recipients', 'postmaster@'] }],
            ['recipient address', { clientIp: '203.0.113.8', rcptTo: ['abuse@example.net'] }, { GREYLIST_WHITELISTED: ['recipients', 'abuse@example.net'] }],
            ['not listed', { clientIp: '100.64.0.9' }, { GREYLIST_NEW: ['300s'] }],
          ];
          for (const [name, req, want] of cases) assert.deepEqual(syms(await h.scan({ ...REQ, ...req })), want, name);
          const partly = await h.scan({ ...REQ, clientIp: '100.64.1.10', rcptTo: ['postmaster@example.net', 'bob@example.net'] });
          assert.equal(partly.action, 'greylist', 'only whitelisted recipients drop out');
          assert.deepEqual((await h.store.greylist.list({ now: T0 })).items.map((e) => e.key).filter((k) => k.startsWith('100.64.1.0/')), [
            '100.64.1.0/alice@sender.example/bob@example.net',
          ]);
        },
      ),
  ));

test('an edited whitelist file is picked up without a restart', () =>
  withDir({ 'clients.txt': '192.0.2.99\n' }, async (dir) =>
    withHarness({ configDir: dir, config: { whitelist_clients: ['clients.txt'], poll_interval_ms: 20, debounce_ms: 0 } }, async (h) => {
      assert.deepEqual(syms(await h.scan({ ...REQ, clientIp: '203.0.113.1' })), { GREYLIST_NEW: ['300s'] });
      await writeFile(join(dir, 'clients.txt'), '192.0.2.99\n203.0.113.0/24\n');
      const deadline = Date.now() + 5000;
      let got: Record<string, string[]> = {};
      while (Date.now() < deadline) {
        got = syms(await h.scan({ ...REQ, clientIp: '203.0.113.1' }));
        if (got.GREYLIST_WHITELISTED) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.deepEqual(got, { GREYLIST_WHITELISTED: ['clients', '203.0.113.0/24'] });
    }),
  ));

test('SPF pools: a passing SPF result for a listed domain or its subdomain skips greylisting', () =>
  withHarness({ config: { spf_pool_domains: ['bulk.example'] } }, async (h) => {
    const cases: [string, Partial<ScanRequest>, Record<string, string[]>][] = [
      ['gmail pass', { mailFrom: 'someone@gmail.com', facts: { spf: 'pass' } }, { GREYLIST_SPF_POOL: ['gmail.com'] }],
      ['SES subdomain', { mailFrom: 'x@eu-west-1.amazonses.com', facts: { spf: 'pass' } }, { GREYLIST_SPF_POOL: ['eu-west-1.amazonses.com', 'amazonses.com'] }],
      ['configured extra', { mailFrom: 'x@bulk.example', facts: { spf: 'pass' } }, { GREYLIST_SPF_POOL: ['bulk.example'] }],
      ['softfail', { mailFrom: 'someone@outlook.com', facts: { spf: 'softfail' } }, { GREYLIST_NEW: ['300s'] }],
      ['no SPF result', { mailFrom: 'someone@yahoo.com' }, { GREYLIST_NEW: ['300s'] }],
      ['unlisted domain passes SPF', { mailFrom: 'x@small.example', facts: { spf: 'pass' } }, { GREYLIST_NEW: ['300s'] }],
      ['lookalike is no subdomain', { mailFrom: 'x@notgmail.com', facts: { spf: 'pass' } }, { GREYLIST_NEW: ['300s'] }],
    ];
    for (const [name, req, want] of cases) assert.deepEqual(syms(await h.scan({ ...REQ, ...req })), want, name);
  }));

test('SPF pools can be switched off', () =>
  withHarness({ config: { spf_pools: false } }, async (h) => {
    assert.deepEqual(syms(await h.scan({ ...REQ, mailFrom: 'someone@gmail.com', facts: { spf: 'pass' } })), { GREYLIST_NEW: ['300s'] });
  }));

test('band mode greylists only between the greylist and reject thresholds; always mode whatever the score below a refusal', async () => {
  const cases: [string, 'band' | 'always', Record<string, string>, string, boolean][] = [
    ['band, clean', 'band', { score: '0' }, 'no action', false],
    ['band, greylist band', 'band', { score: '5' }, 'greylist', true],
    ['band, add header band too', 'band', { score: '10' }, 'greylist', true],
    ['band, reject', 'band', { score: '20' }, 'reject', false],
    ['always, clean', 'always', { score: '0' }, 'greylist', true],
    ['always, negative', 'always', { score: '-3' }, 'greylist', true],
    ['always, reject', 'always', { score: '20' }, 'reject', false],
    ['always, forced no action', 'always', { force: 'no action' }, 'no action', false],
  ];
  for (const [name, mode, facts, action, greylisted] of cases) {
    await withHarness({ config: { mode } }, async (h) => {
      const r = await h.scan({ ...REQ, facts });
      assert.equal(r.action, action, name);
      assert.equal('GREYLIST_NEW' in r.symbols, greylisted, name);
    });
  }
});

test('band mode min_score raises the bar above the greylist threshold', () =>
  withHarness({ config: { mode: 'band', min_score: 7 } }, async (h) => {
    assert.equal((await h.scan({ ...REQ, facts: { score: '5' } })).symbols.GREYLIST_NEW, undefined);
    assert.ok((await h.scan({ ...REQ, facts: { score: '8' } })).symbols.GREYLIST_NEW);
  }));

test('skips: authenticated clients, no client IP, no envelope sender, no recipient', () =>
  withHarness({}, async (h) => {
    const cases: [string, Partial<ScanRequest>, string][] = [
      ['authenticated', { user: 'alice' }, 'authenticated'],
      ['no IP', { clientIp: undefined }, 'no client IP'],
      ['no sender', { mailFrom: undefined }, 'no envelope sender'],
      ['no recipient', { rcptTo: [] }, 'no recipient'],
    ];
    for (const [name, req, reason] of cases) {
      const r = await h.scan({ ...REQ, ...req });
      assert.equal(r.action, 'no action', name);
      assert.deepEqual(syms(r), { GREYLIST_SKIPPED: [reason] }, name);
    }
  }));

test('mode auto: a clean full-message scan is not greylisted (rspamd band), an envelope-only request is (postgrey)', () =>
  withHarness({}, async (h) => {
    const raw = 'From: alice@sender.example\r\nTo: bob@example.net\r\nSubject: hi\r\n\r\nHello.\r\n';
    assert.equal((await h.scan(REQ, raw)).action, 'no action');
    assert.equal((await h.scan(REQ)).action, 'greylist');
  }));

test('a full message scan is greylisted on the same envelope key (mode always)', () =>
  withHarness({ config: { mode: 'always' } }, async (h) => {
    const raw = 'From: alice@sender.example\r\nTo: bob@example.net\r\nSubject: hi\r\n\r\nHello.\r\n';
    assert.equal((await h.scan(REQ, raw)).action, 'greylist');
    h.clock.set(T0 + 300 * S);
    const r = await h.scan(REQ, raw);
    assert.equal(r.action, 'no action');
    assert.equal(r.addHeaders[0]?.name, 'X-Greylist');
  }));

test('store outage: the fail-safe applies, logged once per incident, and recovery is logged', async () => {
  const sw = switchableStore();
  await withHarness({ store: sw.store }, async (h) => {
    sw.down = true;
    for (let i = 0; i < 3; i++) {
      const r = await h.scan(REQ);
      assert.equal(r.action, 'no action');
      assert.deepEqual(syms(r), { GREYLIST_STORE_FAIL: ['no action'] });
    }
    const lines = () => h.log.records.filter((r) => r.fields.check === 'greylist' && r.level !== 'debug').map((r) => r.level);
    assert.deepEqual(lines(), ['warn']);
    assert.match(h.log.records.find((r) => r.level === 'warn')!.msg, /store unavailable; applying the fail-safe \(no action\)/);
    sw.down = false;
    assert.equal((await h.scan(REQ)).action, 'greylist');
    await h.scan(REQ);
    assert.deepEqual(lines(), ['warn', 'info']);
    assert.equal(h.log.records.find((r) => r.level === 'info' && r.fields.check === 'greylist')!.fields.failures, 3);
    sw.down = true;
    await h.scan(REQ);
    assert.deepEqual(lines(), ['warn', 'info', 'warn'], 'a new incident is logged again');
  });
});

test('store outage with store_fail_action greylist or soft reject', async () => {
  for (const [action, text] of [
    ['greylist', '451 4.7.1 Greylisted, please try again in 300 seconds'],
    ['soft reject', '451 4.3.0 Greylisting temporarily unavailable, please try again later'],
  ] as const) {
    const sw = switchableStore();
    sw.down = true;
    await withHarness({ store: sw.store, config: { store_fail_action: action } }, async (h) => {
      const r = await h.scan(REQ);
      assert.equal(r.action, action);
      assert.equal(r.messages.smtp_message, text);
      assert.deepEqual(syms(r), { GREYLIST_STORE_FAIL: [action] });
    });
  }
});

test('the greylist text takes %s and %r; options are validated', async () => {
  await withHarness({ config: { message: '4.2.0 Greylisted, see https://help.example/%r.html (%s s)' } }, async (h) => {
    assert.equal((await h.scan(REQ)).messages.smtp_message, '4.2.0 Greylisted, see https://help.example/example.net.html (300 s)');
  });
  const { greylistConfigSchema } = await import('./config.ts');
  assert.match(greylistConfigSchema.safeParse({ delay_s: 600, retry_window_s: 300 }).error?.issues[0].message ?? '', /longer than delay_s/);
  assert.match(greylistConfigSchema.safeParse({ mode: 'always', min_score: 3 }).error?.issues[0].message ?? '', /only for mode: band or auto/);
  assert.match(greylistConfigSchema.safeParse({ spf_pool_domains: ['not a domain'] }).error?.issues[0].message ?? '', /domain name/);
});
