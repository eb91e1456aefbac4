// Table-driven tests of SPF's address handling: parsing, IPv4-mapped addresses, prefix matching and the macro forms.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dottedForm, inPrefix, parseIp, readableForm } from './ip.ts';

test('parsing and the %{c} / %{i} forms', () => {
  const table: [input: string, family: 4 | 6, readable: string, dotted: string][] = [
    ['192.0.2.3', 4, '192.0.2.3', '192.0.2.3'],
    ['::FFFF:192.0.2.3', 4, '192.0.2.3', '192.0.2.3'],
    ['2001:db8::cb01', 6, '2001:db8::cb01', '2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1'],
    ['CAFE:BABE::1', 6, 'cafe:babe::1', 'c.a.f.e.b.a.b.e.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1'],
    ['2001:db8:0:0:1:0:0:1', 6, '2001:db8::1:0:0:1', '2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.0.0.0.0.0.0.0.0.1'],
    ['::', 6, '::', Array(32).fill('0').join('.')],
    ['::1.2.3.4', 6, '::102:304', `${Array(24).fill('0').join('.')}.0.1.0.2.0.3.0.4`],
    ['1:2:3:4:5:6:7:8', 6, '1:2:3:4:5:6:7:8', '0.0.0.1.0.0.0.2.0.0.0.3.0.0.0.4.0.0.0.5.0.0.0.6.0.0.0.7.0.0.0.8'],
  ];
  for (const [input, family, readable, dotted] of table) {
    const ip = parseIp(input);
    assert.ok(ip, input);
    assert.equal(ip.family, family, input);
    assert.equal(readableForm(ip), readable, input);
    assert.equal(dottedForm(ip), dotted, input);
  }
  for (const bad of ['', '1.2.3', '256.1.1.1', '01.2.3.4', 'fe80::1%eth0', '1::2::3', 'example.com']) assert.equal(parseIp(bad), undefined, bad);
});

test('prefix matching', () => {
  const b = (s: string): Uint8Array => parseIp(s)!.bytes;
  const table: [a: string, net: string, bits: number, match: boolean][] = [
    ['192.0.2.3', '192.0.2.0', 24, true],
    ['192.0.3.3', '192.0.2.0', 24, false],
    ['192.0.2.3', '192.0.2.2', 31, true],
    ['192.0.2.3', '192.0.2.4', 30, false],
    ['10.1.2.3', '0.0.0.0', 0, true],
    ['2001:db8::1', '2001:db8::', 32, true],
    ['2001:db9::1', '2001:db8::', 32, false],
    ['2001:db8::1', '2001:db8::', 127, true],
    ['2001:db8::2', '2001:db8::', 127, false],
    ['192.0.2.3', '2001:db8::', 0, false],
  ];
  for (const [a, net, bits, match] of table) assert.equal(inPrefix(b(a), b(net), bits), match, `${a} in ${net}/${bits}`);
});
