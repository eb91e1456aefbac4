// Table-driven tests of reverse-lookup names for IPv4 and IPv6 addresses.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { expandIpv6, reverseName } from './reverse-name.ts';

const V6_DOC = 'b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa'; // RFC 3596 §2.5 example

const cases: [string, string | undefined][] = [
  ['192.0.2.1', '1.2.0.192.in-addr.arpa'],
  ['10.0.0.255', '255.0.0.10.in-addr.arpa'],
  ['4321:0:1:2:3:4:567:89ab', V6_DOC],
  ['4321::1:2:3:4:567:89AB', V6_DOC],
  ['::1', `1${'.0'.repeat(31)}.ip6.arpa`],
  ['::', `${Array(32).fill('0').join('.')}.ip6.arpa`],
  ['2001:db8::', `${Array(24).fill('0').join('.')}.8.b.d.0.1.0.0.2.ip6.arpa`],
  ['::ffff:192.0.2.1', '1.2.0.192.in-addr.arpa'],
  ['fe80::1%eth0', `1${'.0'.repeat(27)}.0.8.e.f.ip6.arpa`],
  ['mail.example.com', undefined],
  ['192.0.2', undefined],
  ['', undefined],
];

describe('reverseName', () => {
  for (const [ip, want] of cases) {
    it(`${JSON.stringify(ip)} → ${want}`, () => assert.equal(reverseName(ip), want));
  }
});

describe('expandIpv6', () => {
  const table: [string, string][] = [
    ['2001:db8::1', '20010db8000000000000000000000001'],
    ['::ffff:1.2.3.4', '00000000000000000000ffff01020304'],
    ['64:ff9b::192.0.2.33', '0064ff9b0000000000000000c0000221'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
  ];
  for (const [ip, hex] of table) it(ip, () => assert.equal(expandIpv6(ip), hex));
});
