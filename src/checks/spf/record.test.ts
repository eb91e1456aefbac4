// Table-driven tests of SPF record selection and parsing: every mechanism and modifier, and what is a syntax error.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpfSyntaxError } from './macro.ts';
import { isSpfRecord, parseRecord, selectRecord } from './record.ts';

test('record selection (RFC 7208 §4.5)', () => {
  assert.equal(isSpfRecord('v=spf1'), true);
  assert.equal(isSpfRecord('V=SPF1 -all'), true);
  assert.equal(isSpfRecord('v=spf10 -all'), false);
  assert.equal(isSpfRecord('v=spf1-all'), false);
  assert.equal(isSpfRecord(' v=spf1 -all'), false);
  assert.deepEqual(selectRecord(['google-site-verification=x', 'v=spf1 -all']), { kind: 'record', text: 'v=spf1 -all' });
  assert.deepEqual(selectRecord(['v=spf1 -all', 'v=spf1 +all']), { kind: 'multiple' });
  assert.deepEqual(selectRecord(['v=spf2.0/pra -all']), { kind: 'none' });
  assert.deepEqual(selectRecord([]), { kind: 'none' });
});

/** Record → a compact description of its directives: qualifier, type and (for CIDR terms) lengths. */
const VALID: [record: string, summary: string[], modifiers?: string[]][] = [
  ['v=spf1', []],
  ['v=spf1 -all', ['-all']],
  ['v=spf1  a   mx  ', ['+a/32//128', '+mx/32//128']],
  ['v=spf1 a/24 mx//64 a:example.com/0//0 ~ptr ?ptr:example.org', ['+a/24//128', '+mx/32//64', '+a/0//0', '~ptr', '?ptr']],
  ['v=spf1 ip4:192.0.2.0/24 ip4:192.0.2.1 ip6:2001:db8::/32 ip6:::ffff:1.2.3.4', ['+ip4/24', '+ip4/32', '+ip6/32', '+ip6/128']],
  ['v=spf1 include:_spf.example.com exists:%{i}.bl.example.net -ALL', ['+include', '+exists', '-all']],
  ['v=spf1 redirect=_spf.example.com exp=explain.%{d}', [], ['redirect', 'exp']],
  ['v=spf1 -all foo=bar default=+ moo.cow-far_out=man:dog/cat', ['-all']],
];

test('valid records', () => {
  for (const [text, summary, modifiers = []] of VALID) {
    const r = parseRecord(text);
    const got = r.directives.map((d) => {
      const m = d.mechanism;
      const extra = m.type === 'a' || m.type === 'mx' ? `/${m.cidr4}//${m.cidr6}` : m.type === 'ip4' || m.type === 'ip6' ? `/${m.prefix}` : '';
      return `${d.qualifier}${m.type}${extra}`;
    });
    assert.deepEqual(got, summary, text);
    assert.deepEqual(['redirect', 'exp'].filter((k) => r[k as 'redirect' | 'exp'] !== undefined), modifiers, text);
  }
});

const INVALID: string[] = [
  'v=spf1 -all.',
  'v=spf1 all:example.com',
  'v=spf1 include',
  'v=spf1 include:',
  'v=spf1 exists',
  'v=spf1 a:',
  'v=spf1 a:abc.123',
  'v=spf1 a:example.-com',
  'v=spf1 a/33',
  'v=spf1 a//129',
  'v=spf1 a/024',
  'v=spf1 ptr/0',
  'v=spf1 ip4',
  'v=spf1 ip4:1.2.3',
  'v=spf1 ip4:192.0.2.0/33',
  'v=spf1 ip4:192.0.2.0//24',
  'v=spf1 ip6:1.2.3.4',
  'v=spf1 ip6:2001:db8::/129',
  'v=spf1 ip6',
  'v=spf1 foo:bar',
  'v=spf1 -',
  'v=spf1 redirect=a.example.com redirect=b.example.com',
  'v=spf1 exp=a.example.com exp=b.example.com',
  'v=spf1 exp=%{c}.example.com',
  'v=spf1 redirect=',
  'v=spf1 foo=%',
  'v=spf1 =all',
  'v=spf1 a\tmx',
  'v=spf1 a:ctrl.example.com\rptr -all',
  'v=spf1 a:caf\u00e9.example.com',
];

test('syntax errors make the whole record a permerror', () => {
  for (const text of INVALID) assert.throws(() => parseRecord(text), SpfSyntaxError, JSON.stringify(text));
});

test('the directive text is kept for reporting', () => {
  assert.deepEqual(parseRecord('v=spf1 ~include:_spf.example.com -all').directives.map((d) => d.text), ['~include:_spf.example.com', '-all']);
});
