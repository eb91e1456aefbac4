// Table-driven tests of rspamd request headers → ScanRequest mapping.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptsZstd, headerBag, mapRequestHeaders, parseFlags } from './request-headers.ts';

/** Headers as Node's headersDistinct gives them (lower-case keys, every value kept). */
function bag(headers: Record<string, string | string[]>, query = '') {
  const distinct: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers)) distinct[k.toLowerCase()] = Array.isArray(v) ? v : [v];
  return headerBag(distinct, new URLSearchParams(query));
}

const cases: { name: string; headers: Record<string, string | string[]>; query?: string; expect: Record<string, unknown> }[] = [
  { name: 'no headers: only an empty rcpt list', headers: {}, expect: { rcptTo: [] } },
  { name: 'IPv4', headers: { IP: '192.0.2.1' }, expect: { rcptTo: [], clientIp: '192.0.2.1' } },
  { name: 'IPv6 lower-cased', headers: { IP: '2001:DB8::1' }, expect: { rcptTo: [], clientIp: '2001:db8::1' } },
  { name: 'IPv4-mapped IPv6 becomes IPv4', headers: { IP: '::ffff:192.0.2.7' }, expect: { rcptTo: [], clientIp: '192.0.2.7' } },
  { name: 'bracketed address', headers: { IP: '[192.0.2.1]' }, expect: { rcptTo: [], clientIp: '192.0.2.1' } },
  { name: 'Postfix IPv6: prefix', headers: { IP: 'IPv6:2001:db8::5' }, expect: { rcptTo: [], clientIp: '2001:db8::5' } },
  {
    name: 'envelope fields',
    headers: { Helo: 'mx.example.com', Hostname: 'mail.example.com', From: '<a@example.com>', 'Queue-Id': 'ABC123', User: 'bob', 'Deliver-To': '<c@example.org>' },
    expect: { rcptTo: [], helo: 'mx.example.com', hostname: 'mail.example.com', mailFrom: 'a@example.com', queueId: 'ABC123', user: 'bob', deliverTo: 'c@example.org' },
  },
  { name: 'empty From is the null sender', headers: { From: '' }, expect: { rcptTo: [], mailFrom: '' } },
  { name: '<> From is the null sender', headers: { From: '<>' }, expect: { rcptTo: [], mailFrom: '' } },
  { name: 'bare From address', headers: { From: 'a@example.com' }, expect: { rcptTo: [], mailFrom: 'a@example.com' } },
  { name: 'repeated Rcpt', headers: { Rcpt: ['<b@example.org>', 'c@example.org'] }, expect: { rcptTo: ['b@example.org', 'c@example.org'] } },
  { name: 'comma-separated Rcpt', headers: { Rcpt: '<b@example.org>, <c@example.org>,' }, expect: { rcptTo: ['b@example.org', 'c@example.org'] } },
  { name: 'Settings-ID', headers: { 'Settings-ID': 'outbound' }, expect: { rcptTo: [], settingsId: 'outbound' } },
  { name: 'Pass: all', headers: { Pass: 'all' }, expect: { rcptTo: [], passAll: true } },
  { name: 'Pass: ALL is case-insensitive', headers: { Pass: 'ALL' }, expect: { rcptTo: [], passAll: true } },
  { name: 'Pass with another value does nothing', headers: { Pass: 'some' }, expect: { rcptTo: [] } },
  { name: 'Flags pass_all', headers: { Flags: 'body_block, pass_all' }, expect: { rcptTo: [], passAll: true, facts: { flags: 'body_block,pass_all' } } },
  {
    name: 'facts from informational headers',
    headers: { 'User-Agent': 'rspamc', 'MTA-Name': 'mx1', 'TLS-Version': 'TLSv1.3' },
    expect: { rcptTo: [], facts: { 'user-agent': 'rspamc', 'mta-name': 'mx1', 'tls-version': 'TLSv1.3' } },
  },
  { name: 'query string acts as headers', headers: {}, query: 'ip=192.0.2.9&rcpt=x@example.org&from=', expect: { rcptTo: ['x@example.org'], clientIp: '192.0.2.9', mailFrom: '' } },
  { name: 'header wins over query for single values', headers: { Helo: 'a.example' }, query: 'helo=b.example', expect: { rcptTo: [], helo: 'a.example' } },
  { name: 'blank values are ignored', headers: { Helo: '  ', 'Queue-Id': '' }, expect: { rcptTo: [] } },
];

for (const c of cases) {
  test(`mapRequestHeaders: ${c.name}`, () => {
    const m = mapRequestHeaders(bag(c.headers, c.query));
    assert.equal(m.ok, true);
    if (m.ok) assert.deepEqual(m.request, c.expect);
  });
}

const badIps = ['999.1.1.1', 'example.com', '192.0.2.1/24', '1.2.3', 'unknown', '::ffff:999.0.0.1'];
for (const ip of badIps) {
  test(`mapRequestHeaders: invalid IP ${JSON.stringify(ip)} is an error naming header and value`, () => {
    const m = mapRequestHeaders(bag({ IP: ip }));
    assert.equal(m.ok, false);
    if (!m.ok) {
      assert.match(m.error, /IP header/);
      assert.ok(m.error.includes(JSON.stringify(ip)), m.error);
    }
  });
}

test('parseFlags joins repeated Flags headers, lower-cases and de-duplicates', () => {
  assert.deepEqual(parseFlags(bag({ Flags: ['ZSTD, body_block', 'zstd,,milter'] })), ['zstd', 'body_block', 'milter']);
});

test('reply options: Flags zstd and Accept-Encoding zstd', () => {
  const m = mapRequestHeaders(bag({ Flags: 'zstd' }));
  assert.ok(m.ok && m.reply.zstdReply && !m.reply.zstdContentEncoding);
  const n = mapRequestHeaders(bag({ 'Accept-Encoding': 'gzip, zstd' }));
  assert.ok(n.ok && !n.reply.zstdReply && n.reply.zstdContentEncoding);
});

const acceptCases: [string, boolean][] = [
  ['zstd', true],
  ['gzip, deflate, br', false],
  ['gzip;q=1.0, zstd;q=0.5', true],
  ['zstd;q=0', false],
  ['zstd; q=0.000', false],
  ['ZSTD', true],
  ['xzstd', false],
];
for (const [value, expected] of acceptCases) {
  test(`acceptsZstd(${JSON.stringify(value)}) = ${expected}`, () => assert.equal(acceptsZstd([value]), expected));
}
