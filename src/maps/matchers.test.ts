// Table-driven tests for the per-kind map lookups: ip, domain with parents, e-mail, regex.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_REGEX_MAP_INPUT_CHARS, normalizeDomain, parseMap, type MapKind } from './matchers.ts';
import { MapParseError } from './map-file.ts';

function keys(kind: MapKind, text: string, value: string): string[] {
  return parseMap(kind, text).match(value).map((e) => e.key);
}

test('ip maps: addresses, CIDRs, v6 and SMTP address literals', () => {
  const text = '192.0.2.0/24 test-net\n2001:db8::/32\n198.51.100.1\n';
  const cases: [string, string[]][] = [
    ['192.0.2.77', ['192.0.2.0/24']],
    ['[192.0.2.77]', ['192.0.2.0/24']],
    ['[IPv6:2001:db8::5]', ['2001:db8::/32']],
    ['2001:DB8::5', ['2001:db8::/32']],
    ['198.51.100.1', ['198.51.100.1']],
    ['198.51.100.2', []],
    ['mail.example.com', []],
  ];
  for (const [v, want] of cases) assert.deepEqual(keys('ip', text, v), want, v);
  assert.equal(parseMap('ip', text).match('192.0.2.1')[0].value, 'test-net');
});

test('domain maps match the domain and its subdomains, not lookalikes', () => {
  const text = 'example.com\n*.spam.test\n.wild.test\nBÜCHER.example\nEXAMPLE.ORG.\n';
  const cases: [string, string[]][] = [
    ['example.com', ['example.com']],
    ['mail.Example.COM', ['example.com']],
    ['a.b.example.com.', ['example.com']],
    ['user@sub.example.com', ['example.com']],
    ['"Name" <user@sub.example.com>', ['example.com']],
    ['notexample.com', []],
    ['example.com.evil', []],
    ['spam.test', ['*.spam.test']],
    ['x.wild.test', ['.wild.test']],
    ['www.bücher.example', ['BÜCHER.example']],
    ['www.xn--bcher-kva.example', ['BÜCHER.example']],
    ['example.org', ['EXAMPLE.ORG.']],
    ['', []],
  ];
  for (const [v, want] of cases) assert.deepEqual(keys('domain', text, v), want, v);
  assert.equal(normalizeDomain('exa mple.com'), undefined);
});

test('email maps: exact address, +tag stripped, @domain', () => {
  const text = 'Alice@Example.com\n@spam.test\nbob@example.net\n';
  const cases: [string, string[]][] = [
    ['alice@example.com', ['Alice@Example.com']],
    ['<ALICE@EXAMPLE.COM>', ['Alice@Example.com']],
    ['"Alice A." <alice@example.com>', ['Alice@Example.com']],
    ['alice+news@example.com', ['Alice@Example.com']],
    ['carol@example.com', []],
    ['anyone@spam.test', ['@spam.test']],
    ['anyone@sub.spam.test', []],
    ['bob@example.net', ['bob@example.net']],
    ['not-an-address', []],
    ['', []],
  ];
  for (const [v, want] of cases) assert.deepEqual(keys('email', text, v), want, v);
});

test('regex maps return every matching pattern and cap the input', () => {
  const text = '/^mailer-daemon@/i bounces\n/casino/\nbare[0-9]+x\n';
  assert.deepEqual(keys('regex', text, 'MAILER-DAEMON@example.com'), ['/^mailer-daemon@/i']);
  assert.deepEqual(keys('regex', text, 'mailer-daemon@casino.example'), ['/^mailer-daemon@/i', '/casino/']);
  assert.deepEqual(keys('regex', text, 'xbare123x'), ['bare[0-9]+x']);
  const far = 'a'.repeat(MAX_REGEX_MAP_INPUT_CHARS) + 'casino';
  assert.deepEqual(keys('regex', text, far), []);
});

test('invalid entries name their line', () => {
  const cases: [MapKind, string, RegExp][] = [
    ['ip', '192.0.2.1\n192.0.2.300\n', /^line 2: '192.0.2.300' is not an IP/],
    ['domain', 'ok.example\n\nb!d.example note\n', /^line 3: 'b!d.example' is not a domain name/],
    ['domain', '-bad.example\n', /^line 1: '-bad.example' is not a domain name/],
    ['email', 'user.example.com\n', /^line 1: 'user.example.com' is not an e-mail/],
    ['email', 'a@b@c\n', /^line 1: /],
    ['regex', '/ok/\n/(a+)+/\n', /^line 2: .*nests unbounded/],
    ['regex', '/x/g\n', /^line 1: .*unsupported flag/],
  ];
  for (const [kind, text, msg] of cases) {
    assert.throws(() => parseMap(kind, text), (e: unknown) => e instanceof MapParseError && msg.test(e.message), `${kind}: ${text}`);
  }
});
