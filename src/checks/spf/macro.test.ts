// Table-driven tests of SPF macro parsing and expansion, with the examples of RFC 7208 §7.4.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIp } from './ip.ts';
import { expandMacro, parseDomainSpec, parseMacroString, SpfSyntaxError, type MacroMode, type MacroValues } from './macro.ts';

function values(ip: string, over: Partial<MacroValues> = {}): MacroValues {
  return {
    sender: 'strong-bad@email.example.com',
    domain: 'email.example.com',
    ip: parseIp(ip)!,
    helo: 'mx.example.org',
    receiver: 'rcv.example.net',
    now: () => 1_700_000_000_123,
    validatedName: async () => 'host.example.com',
    ...over,
  };
}

// RFC 7208 §7.4, with <sender> strong-bad@email.example.com and <ip> 192.0.2.3 or 2001:db8::cb01.
const RFC_EXAMPLES: [input: string, ip: string, expanded: string][] = [
  ['%{s}', '192.0.2.3', 'strong-bad@email.example.com'],
  ['%{o}', '192.0.2.3', 'email.example.com'],
  ['%{d}', '192.0.2.3', 'email.example.com'],
  ['%{d4}', '192.0.2.3', 'email.example.com'],
  ['%{d3}', '192.0.2.3', 'email.example.com'],
  ['%{d2}', '192.0.2.3', 'example.com'],
  ['%{d1}', '192.0.2.3', 'com'],
  ['%{dr}', '192.0.2.3', 'com.example.email'],
  ['%{d2r}', '192.0.2.3', 'example.email'],
  ['%{l}', '192.0.2.3', 'strong-bad'],
  ['%{l-}', '192.0.2.3', 'strong.bad'],
  ['%{lr}', '192.0.2.3', 'strong-bad'],
  ['%{lr-}', '192.0.2.3', 'bad.strong'],
  ['%{l1r-}', '192.0.2.3', 'strong'],
  ['%{ir}.%{v}._spf.%{d2}', '192.0.2.3', '3.2.0.192.in-addr._spf.example.com'],
  ['%{lr-}.lp._spf.%{d2}', '192.0.2.3', 'bad.strong.lp._spf.example.com'],
  ['%{lr-}.lp.%{ir}.%{v}._spf.%{d2}', '192.0.2.3', 'bad.strong.lp.3.2.0.192.in-addr._spf.example.com'],
  ['%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}', '192.0.2.3', '3.2.0.192.in-addr.strong.lp._spf.example.com'],
  ['%{d2}.trusted-domains.example.net', '192.0.2.3', 'example.com.trusted-domains.example.net'],
  ['%{ir}.%{v}._spf.%{d2}', '2001:db8::cb01', '1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com'],
];

test('RFC 7208 §7.4 examples', async () => {
  for (const [input, ip, expanded] of RFC_EXAMPLES) {
    assert.equal(await expandMacro(parseMacroString(input, 'domain'), values(ip)), expanded, input);
  }
});

const MORE: [input: string, mode: MacroMode, ip: string, expanded: string][] = [
  ['%%%_%-', 'domain', '192.0.2.3', '% %20'],
  ['%{L}', 'domain', '192.0.2.3', 'strong-bad'],
  ['%{S}', 'domain', '192.0.2.3', 'strong-bad%40email.example.com'],
  ['%{h}', 'domain', '192.0.2.3', 'mx.example.org'],
  ['%{p}', 'domain', '192.0.2.3', 'host.example.com'],
  ['%{v}', 'domain', '2001:db8::1', 'ip6'],
  ['%{d9}', 'domain', '192.0.2.3', 'email.example.com'],
  ['%{l+}', 'domain', '192.0.2.3', 'strong-bad'],
  ['%{c} at %{t} to %{r}', 'explain', '2001:DB8:0:0:1::1', '2001:db8::1:0:0:1 at 1700000000 to rcv.example.net'],
  ['%{c}', 'explain', '::ffff:192.0.2.3', '192.0.2.3'],
];

test('escapes, URL encoding, transformers and explanation-only letters', async () => {
  for (const [input, mode, ip, expanded] of MORE) assert.equal(await expandMacro(parseMacroString(input, mode), values(ip)), expanded, input);
  const odd = values('192.0.2.3', { sender: '~jack&jill=up-a_b3.c@e8.example.com' });
  assert.equal(await expandMacro(parseMacroString('%{L}', 'domain'), odd), '~jack%26jill%3Dup-a_b3.c');
});

const SYNTAX_ERRORS: [input: string, mode: MacroMode][] = [
  ['%', 'domain'],
  ['a%b', 'domain'],
  ['%{', 'domain'],
  ['%{d', 'domain'],
  ['%{x}', 'domain'],
  ['%{d0}', 'domain'],
  ['%{d2x}', 'domain'],
  ['%{c}', 'domain'],
  ['%{r}', 'domain'],
  ['%{t}', 'domain'],
  ['a b', 'domain'],
  ['caf\u00e9', 'explain'],
  ['tab\there', 'explain'],
];

test('syntax errors', () => {
  for (const [input, mode] of SYNTAX_ERRORS) assert.throws(() => parseMacroString(input, mode), SpfSyntaxError, JSON.stringify(input));
  assert.doesNotThrow(() => parseMacroString('spaces are %{c} fine here', 'explain'));
});

test('domain-spec needs a valid top label or a final macro (RFC 7208 §7.1)', () => {
  for (const ok of ['example.com', 'foo.example.xn--zckzah', 'example.com.', '%{d}', 'x.%{d2}', '_spf.%{d}', 'a.%%']) {
    assert.doesNotThrow(() => parseDomainSpec(ok), ok);
  }
  for (const bad of ['', 'com', 'abc.123', 'example.-com', 'example.com-', '%{d}com', 'example..']) {
    assert.throws(() => parseDomainSpec(bad), SpfSyntaxError, bad);
  }
});
