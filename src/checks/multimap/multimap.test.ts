// Tests of the multimap check through the real scan pipeline: every target, every map type, forced actions, hot reload.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanWith, testContext, testEngine } from '../../core/testing.ts';
import { Scanner } from '../../core/scanner.ts';
import type { ScanRequest } from '../../core/types.ts';
import { multimapCheck } from './multimap.ts';

async function withDir(files: Record<string, string>, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'winnow-multimap-'));
  try {
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const FILES = {
  'ips.map': '# blocked networks\n192.0.2.0/24 test-net-1\n2001:db8:bad::/48\n198.51.100.9\n',
  'domains.map': 'spam.example\nbad.test # a note\n',
  'emails.map': 'boss@corp.example\n@bulk.example\n',
  'helo.re': '/^(localhost|\\[?\\d+\\.\\d+\\.\\d+\\.\\d+\\]?)$/i\n',
  'mailers.re': '/^MassMailer/i\n/bulk ?sender/i\n',
  'users.map': 'alice@example.org\n',
};

const MAPS = [
  { symbol: 'MM_IP', type: 'ip', source: 'ips.map', weight: 3 },
  { symbol: 'MM_CIDR_HELO', type: 'cidr', source: 'ips.map', target: 'helo', weight: 1 },
  { symbol: 'MM_HELO_DOMAIN', type: 'domain', source: 'domains.map', target: 'helo', weight: 1 },
  { symbol: 'MM_HOSTNAME', type: 'domain', source: 'domains.map', target: 'hostname', weight: 1 },
  { symbol: 'MM_MAIL_FROM', type: 'email', source: 'emails.map', target: 'mail_from', weight: 1 },
  { symbol: 'MM_MAIL_FROM_DOMAIN', type: 'domain', source: 'domains.map', target: 'mail_from_domain', weight: 1 },
  { symbol: 'MM_RCPT', type: 'email', source: 'emails.map', target: 'rcpt', weight: 1 },
  { symbol: 'MM_RCPT_DOMAIN', type: 'domain', source: 'domains.map', target: 'rcpt_domain', weight: 1 },
  { symbol: 'MM_HELO_RE', type: 'regex', source: 'helo.re', target: 'helo', weight: 1 },
  { symbol: 'MM_USER', type: 'email', source: 'users.map', target: 'user', weight: -5, action: 'no action' },
  { symbol: 'MM_FROM', type: 'email', source: 'emails.map', target: 'from', weight: 1 },
  { symbol: 'MM_FROM_DOMAIN', type: 'domain', source: 'domains.map', target: 'from_domain', weight: 1 },
  { symbol: 'MM_MAILER', type: 'header-regex', source: 'mailers.re', target: 'header:X-Mailer', weight: 1 },
  { symbol: 'MM_REPLY_DOMAIN', type: 'domain', source: 'domains.map', target: 'header:Reply-To', weight: 1 },
];

const MESSAGE = [
  'From: "The Boss" <Boss@Corp.Example>',
  'Reply-To: <replies@news.bad.test>',
  'To: you@example.net',
  'Subject: hello',
  'X-Mailer: massmailer 2.0',
  'X-Mailer: Outlook',
  '',
  'Body.',
  '',
].join('\r\n');

test('each target and map type matches what it should, with matched entries as options', async () => {
  await withDir(FILES, async (dir) => {
    const cases: { name: string; request: Partial<ScanRequest>; raw?: string; want: Record<string, string[]> }[] = [
      { name: 'ipv4 in CIDR', request: { clientIp: '192.0.2.44' }, want: { MM_IP: ['192.0.2.0/24'] } },
      { name: 'exact ipv4', request: { clientIp: '198.51.100.9' }, want: { MM_IP: ['198.51.100.9'] } },
      { name: 'ipv6 in CIDR', request: { clientIp: '2001:db8:bad:1::25' }, want: { MM_IP: ['2001:db8:bad::/48'] } },
      { name: 'ipv6 outside', request: { clientIp: '2001:db8:bae::1' }, want: {} },
      { name: 'IP literal HELO', request: { helo: '[192.0.2.1]' }, want: { MM_CIDR_HELO: ['192.0.2.0/24'], MM_HELO_RE: ['/^(localhost|\\[?\\d+\\.\\d+\\.\\d+\\.\\d+\\]?)$/i'] } },
      { name: 'HELO subdomain', request: { helo: 'mx1.spam.example' }, want: { MM_HELO_DOMAIN: ['spam.example'] } },
      { name: 'HELO lookalike', request: { helo: 'notspam.example' }, want: {} },
      { name: 'hostname', request: { hostname: 'host.bad.test' }, want: { MM_HOSTNAME: ['bad.test'] } },
      {
        name: 'MAIL FROM address and domain',
        request: { mailFrom: 'someone@bulk.example' },
        want: { MM_MAIL_FROM: ['@bulk.example'] },
      },
      { name: 'MAIL FROM domain', request: { mailFrom: 'x@a.spam.example' }, want: { MM_MAIL_FROM_DOMAIN: ['spam.example'] } },
      { name: 'null sender', request: { mailFrom: '' }, want: {} },
      {
        name: 'RCPT addresses and domains',
        request: { rcptTo: ['ok@example.net', 'BOSS@corp.example', 'x@bad.test'] },
        want: { MM_RCPT: ['boss@corp.example'], MM_RCPT_DOMAIN: ['bad.test'] },
      },
      { name: 'authenticated user whitelist', request: { user: 'alice@example.org' }, want: { MM_USER: ['alice@example.org'] } },
      {
        name: 'message targets',
        request: {},
        raw: MESSAGE,
        want: { MM_FROM: ['boss@corp.example'], MM_MAILER: ['/^MassMailer/i'], MM_REPLY_DOMAIN: ['bad.test'] },
      },
    ];
    for (const c of cases) {
      const result = await scanWith([multimapCheck], c.raw, c.request, { checks: { multimap: { maps: MAPS } }, configDir: dir });
      const got = Object.fromEntries(Object.values(result.symbols).map((s) => [s.name, s.options]));
      assert.deepEqual(got, c.want, c.name);
    }
  });
});

test('a map with an action forces it; weights come from the config', async () => {
  await withDir(FILES, async (dir) => {
    const maps = [
      { symbol: 'BLOCKED_NET', type: 'ip', source: 'ips.map', weight: 10, action: 'reject', message: '554 5.7.1 Listed' },
      { symbol: 'TRUSTED_USER', type: 'email', source: 'users.map', target: 'user', weight: -20, action: 'no action' },
    ];
    const opts = { checks: { multimap: { maps } }, configDir: dir };
    const blocked = await scanWith([multimapCheck], undefined, { clientIp: '192.0.2.1' }, opts);
    assert.equal(blocked.action, 'reject');
    assert.equal(blocked.forced?.module, 'multimap');
    assert.equal(blocked.messages.smtp_message, '554 5.7.1 Listed');
    assert.equal(blocked.symbols.BLOCKED_NET.score, 10);
    const trusted = await scanWith([multimapCheck], undefined, { clientIp: '203.0.113.1', user: 'alice@example.org' }, opts);
    assert.equal(trusted.action, 'no action');
    assert.equal(trusted.score, -20);
  });
});

test('startup errors: missing file, invalid entry, bad config', async () => {
  await withDir({ ...FILES, 'broken.map': '192.0.2.1\nnonsense\n' }, async (dir) => {
    const engine = (maps: unknown[]) => testEngine([multimapCheck], { checks: { multimap: { maps } }, configDir: dir });
    await assert.rejects(engine([{ symbol: 'M', type: 'ip', source: 'absent.map', weight: 1 }]), /multimap M: cannot read .*absent\.map/);
    await assert.rejects(engine([{ symbol: 'M', type: 'ip', source: 'broken.map', weight: 1 }]), /multimap M: .*broken\.map: line 2: 'nonsense' is not an IP/);
    await assert.rejects(engine([{ symbol: 'M', type: 'domain', source: 'domains.map', weight: 1 }]), /a domain map needs a target/);
    await assert.rejects(engine([{ symbol: 'M', type: 'header-regex', source: 'mailers.re', target: 'helo', weight: 1 }]), /needs a header:<Name> target/);
    await assert.rejects(engine([{ symbol: 'M', type: 'ip', source: 'ips.map', target: 'nowhere', weight: 1 }]), /expected one of client_ip/);
    await assert.rejects(
      engine([
        { symbol: 'M', type: 'ip', source: 'ips.map', weight: 1 },
        { symbol: 'M', type: 'domain', source: 'domains.map', target: 'helo', weight: 1 },
      ]),
      /symbol M is used by two maps/,
    );
    const ok = await engine([{ symbol: 'M', type: 'ip', source: 'absent.map', weight: 1, optional: true }]);
    await ok.close();
  });
});

test('hot reload: a new entry is seen by the next scan; a broken file keeps the old list', async () => {
  await withDir({ 'ips.map': '192.0.2.1\n' }, async (dir) => {
    const ctx = testContext();
    const maps = [{ symbol: 'LISTED', type: 'ip', source: 'ips.map', weight: 1 }];
    const engine = await testEngine([multimapCheck], { checks: { multimap: { maps, poll_interval_ms: 50, debounce_ms: 20 } }, configDir: dir, ctx });
    const scanner = new Scanner(engine, ctx);
    const listed = async (ip: string) => 'LISTED' in (await scanner.scan({ rcptTo: [], clientIp: ip })).symbols;
    const until = async (cond: () => Promise<boolean>, what: string) => {
      const end = Date.now() + 5_000;
      while (!(await cond())) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    try {
      assert.equal(await listed('192.0.2.1'), true);
      assert.equal(await listed('198.51.100.2'), false);
      await writeFile(join(dir, 'ips.map'), '192.0.2.1\n198.51.100.2\n');
      await until(() => listed('198.51.100.2'), 'reload');
      await writeFile(join(dir, 'ips.map'), '203.0.113.7\n999.1.1.1\n');
      await until(async () => ctx.log.records.some((r) => r.level === 'warn'), 'broken-reload warning');
      assert.equal(await listed('198.51.100.2'), true);
      assert.equal(await listed('203.0.113.7'), false);
      assert.match(ctx.log.records.find((r) => r.level === 'warn')!.msg, /ips\.map: line 2: '999\.1\.1\.1' is not an IP address/);
    } finally {
      await engine.close();
    }
  });
});
