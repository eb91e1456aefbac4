// Table-driven tests for IPv4/IPv6 parsing and longest-prefix lookup.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IpSet, ipv4ToNumber, ipv6ToHex } from './ip-set.ts';

test('parses address text forms', () => {
  assert.equal(ipv4ToNumber('192.0.2.1'), 0xc0000201);
  assert.equal(ipv4ToNumber('255.255.255.255'), 0xffffffff);
  assert.equal(ipv4ToNumber('256.0.0.1'), undefined);
  for (const bad of ['1.2.3', '1.2.3.4.5', '01.2.3.4', '1..2.3', '1.2.3.', '1.2.3.4 ', '', '1.2.3.1000']) assert.equal(ipv4ToNumber(bad), undefined, bad);
  assert.equal(ipv4ToNumber('0.0.0.0'), 0);
  const v6: [string, string | undefined][] = [
    ['::', '0'.repeat(32)],
    ['::1', `${'0'.repeat(31)}1`],
    ['2001:db8::', `20010db8${'0'.repeat(24)}`],
    ['2001:DB8:0:0:0:0:0:1', `20010db8${'0'.repeat(23)}1`],
    ['1:2:3:4:5:6:7::', '0001000200030004000500060007' + '0000'],
    ['::2:3:4:5:6:7:8', '0000000200030004000500060007' + '0008'],
    ['::ffff:192.0.2.1', `${'0'.repeat(20)}ffffc0000201`],
    ['::192.0.2.1', `${'0'.repeat(24)}c0000201`],
    ['1:2:3:4:5:6:192.0.2.1', '000100020003000400050006c0000201'],
    ['64:ff9b::192.0.2.1', `0064ff9b${'0'.repeat(16)}c0000201`],
    ['fe80::1%eth0', `fe80${'0'.repeat(27)}1`],
    ['1::2::3', undefined],
    ['12345::', undefined],
    ['1:2:3:4:5:6:7:8:9', undefined],
    ['hello', undefined],
  ];
  for (const [text, hex] of v6) assert.equal(ipv6ToHex(text), hex, text);
});

test('looks up addresses and networks, most specific first', () => {
  const set = new IpSet<string>();
  for (const e of ['192.0.2.0/24', '192.0.2.128/25', '198.51.100.7', '10.1.2.3/8', '0.0.0.0/0', '2001:db8::/32', '2001:db8:1::/48', '::1', '::ffff:203.0.113.0/120']) {
    set.add(e, e);
  }
  const cases: [string, string | undefined][] = [
    ['192.0.2.1', '192.0.2.0/24'],
    ['192.0.2.200', '192.0.2.128/25'],
    ['198.51.100.7', '198.51.100.7'],
    ['198.51.100.8', '0.0.0.0/0'],
    ['10.200.0.1', '10.1.2.3/8'],
    ['::ffff:192.0.2.5', '192.0.2.0/24'],
    ['203.0.113.9', '::ffff:203.0.113.0/120'],
    ['2001:db8:1:2::5', '2001:db8:1::/48'],
    ['2001:db8:ffff::1', '2001:db8::/32'],
    ['2001:db9::1', undefined],
    ['::1', '::1'],
    ['::2', undefined],
    ['2001:db8:1:2::5%eth0', '2001:db8:1::/48'],
    ['not-an-ip', undefined],
  ];
  for (const [ip, want] of cases) assert.equal(set.lookup(ip)?.entry, want, ip);
  assert.equal(set.size, 9);
});

test('refuses malformed entries', () => {
  const set = new IpSet();
  for (const bad of ['300.1.1.1', '192.0.2.0/33', '2001:db8::/129', '192.0.2.0/', '192.0.2.0/a', 'example.com', '::ffff:1.2.3.4/95']) {
    assert.throws(() => set.add(bad, undefined), /not an IP|invalid prefix/, bad);
  }
});
