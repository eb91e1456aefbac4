// Table-driven tests of greylisting keys: client network masking and sender normalisation.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientNet, normalizeRecipient, normalizeSender, tripletKey } from './key.ts';

test('sender normalisation', () => {
  const cases: [string, string, string][] = [
    ['case', 'John.Doe@Example.ORG', 'john.doe@example.org'],
    ['null sender', '', ''],
    ['plain', 'alice@example.org', 'alice@example.org'],
    ['+extension', 'alice+lists@example.org', 'alice@example.org'],
    ['leading + kept', '+alice@example.org', '+alice@example.org'],
    ['BATV prvs', 'prvs=1234abcdef=alice@example.org', 'alice@example.org'],
    ['BATV upper case', 'PRVS=0123ABCDEF=Alice@Example.org', 'alice@example.org'],
    ['Microsoft msprvs1', 'msprvs1=17831xAbCdEf=bounces-123@mail.example', 'bounces-#@mail.example'],
    ['Barracuda btv1', 'btv1==7d5a1b2c3d4==alice@example.org', 'alice@example.org'],
    ['VERP list-bounces', 'list-bounces-bob=example.net@lists.example.org', 'list-bounces@lists.example.org'],
    ['Mailman VERP via +', 'announce-bounces+bob=example.net@lists.example.org', 'announce-bounces@lists.example.org'],
    ['ezmlm VERP with number', 'list-return-4711-bob=example.net@lists.example.org', 'list-return-#@lists.example.org'],
    ['numbers become #', 'bounce-12345@mailer.example', 'bounce-#@mailer.example'],
    ['digits inside a word stay', 'john2000@example.org', 'john2000@example.org'],
    ['SRS0', 'SRS0=HHH1=TT=orig.example=alice@forwarder.example', 'srs0=orig.example=alice@forwarder.example'],
    ['SRS0 next day, same key', 'SRS0=zzz9=QQ=orig.example=alice@forwarder.example', 'srs0=orig.example=alice@forwarder.example'],
    ['SRS1', 'SRS1=HHH=fwd1.example==HHH=TT=orig.example=alice@fwd2.example', 'srs1=fwd1.example==orig.example=alice@fwd2.example'],
    ['= without hyphen untouched', 'a=b@example.org', 'a=b@example.org'],
    ['no @', 'MAILER-DAEMON', 'mailer-daemon'],
  ];
  for (const [name, input, want] of cases) assert.equal(normalizeSender(input), want, name);
});

test('client network masking', () => {
  const p = { ipv4: 24, ipv6: 64 };
  const cases: [string, string, { ipv4: number; ipv6: number }, string | undefined][] = [
    ['ipv4 /24', '192.0.2.77', p, '192.0.2.0'],
    ['ipv4 /32', '192.0.2.77', { ipv4: 32, ipv6: 64 }, '192.0.2.77'],
    ['ipv4 /20', '198.51.100.200', { ipv4: 20, ipv6: 64 }, '198.51.96.0'],
    ['ipv4 /0', '198.51.100.200', { ipv4: 0, ipv6: 64 }, '0.0.0.0'],
    ['high first octet', '203.0.113.9', p, '203.0.113.0'],
    ['ipv6 /64', '2001:DB8:1:2:a:b:c:d', p, '2001:db8:1:2::'],
    ['ipv6 compressed input', '2001:db8::1', p, '2001:db8::'],
    ['ipv6 /48', '2001:db8:1:2::5', { ipv4: 24, ipv6: 48 }, '2001:db8:1::'],
    ['ipv6 /60 partial group', '2001:db8:1:2ff::5', { ipv4: 24, ipv6: 60 }, '2001:db8:1:2f0::'],
    ['ipv6 /128 keeps zero runs right', '2001:0:0:1:0:0:0:1', { ipv4: 24, ipv6: 128 }, '2001:0:0:1::1'],
    ['ipv4-mapped', '::ffff:192.0.2.77', p, '192.0.2.0'],
    ['not an address', 'example.org', p, undefined],
    ['empty', '', p, undefined],
  ];
  for (const [name, ip, prefixes, want] of cases) assert.equal(clientNet(ip, prefixes), want, name);
});

test('triplet key and recipient case', () => {
  assert.equal(normalizeRecipient(' Bob@Example.NET '), 'bob@example.net');
  assert.equal(tripletKey('192.0.2.0', '', 'bob@example.net'), '192.0.2.0//bob@example.net');
});
