// Table-driven tests of the Received-SPF and Authentication-Results texts: quoting of odd values and one comment per result.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SpfOutcome, SpfResult } from './evaluate.ts';
import { atomOrQuoted, authenticationResults, commentText, receivedSpf } from './headers.ts';

function outcome(result: SpfResult, over: Partial<SpfOutcome> = {}): SpfOutcome {
  return { result, identity: 'mailfrom', sender: 'a@example.com', domain: 'example.com', lookups: 0, voidLookups: 0, ...over };
}
const FACTS = { ip: '192.0.2.1', helo: 'mail.example.com', mailFrom: 'a@example.com', receiver: 'mx.test' };

test('values: dot-atoms bare, the rest quoted with escapes', () => {
  const table: [string, string][] = [
    ['192.0.2.1', '192.0.2.1'],
    ['mail.example.com', 'mail.example.com'],
    ['a@example.com', '"a@example.com"'],
    ['ip4:192.0.2.0/24', '"ip4:192.0.2.0/24"'],
    ['say "hi" \\ there', '"say \\"hi\\" \\\\ there"'],
    ['two\r\nlines', '"two lines"'],
  ];
  for (const [input, want] of table) assert.equal(atomOrQuoted(input), want, input);
  assert.equal(commentText('a (b) \\ c'), 'a \\(b\\) \\\\ c');
});

test('one Received-SPF comment per result (RFC 7208 §9.1)', () => {
  const table: [SpfResult, RegExp][] = [
    ['pass', /^pass \(mx\.test: domain of a@example\.com designates 192\.0\.2\.1 as permitted sender\) /],
    ['fail', /^fail \(mx\.test: domain of a@example\.com does not designate 192\.0\.2\.1 as permitted sender\) /],
    ['softfail', /^softfail \(mx\.test: domain of transitioning a@example\.com does not designate /],
    ['neutral', /^neutral \(mx\.test: 192\.0\.2\.1 is neither permitted nor denied by domain of a@example\.com\) /],
    ['none', /^none \(mx\.test: domain of a@example\.com does not designate permitted sender hosts\) /],
    ['permerror', /^permerror \(mx\.test: permanent error in processing domain of a@example\.com: bad \\\(x\\\)\) .*problem="bad \(x\)";/],
    ['temperror', /^temperror \(mx\.test: error in processing during lookup of a@example\.com: timeout\) .*problem=timeout;/],
  ];
  for (const [result, re] of table) {
    const problem = result === 'permerror' ? 'bad (x)' : result === 'temperror' ? 'timeout' : undefined;
    assert.match(receivedSpf(outcome(result, problem ? { problem } : {}), FACTS), re, result);
  }
});

test('the null sender: empty envelope-from, smtp.helo in Authentication-Results', () => {
  const o = outcome('pass', { identity: 'helo', sender: 'postmaster@mail.example.com', domain: 'mail.example.com' });
  const facts = { ...FACTS, mailFrom: '' };
  assert.match(receivedSpf(o, facts), / envelope-from=""; helo=mail\.example\.com; receiver=mx\.test; identity=helo;$/);
  assert.match(authenticationResults(o, facts, 'mx.test'), /^mx\.test; spf=pass \(.*\) smtp\.helo=mail\.example\.com$/);
});

test('an address whose local part is no dot-atom is quoted in smtp.mailfrom (RFC 8601 pvalue)', () => {
  const o = outcome('fail', { sender: 'Macro Error@example.com' });
  assert.match(authenticationResults(o, FACTS, 'mx.test'), / smtp\.mailfrom="Macro Error"@example\.com$/);
});
