// Tests for the token options of the BAYES_* symbols: written and read back, long tokens cut, other options skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTokenOptions, tokenOption } from './token-options.ts';

test('tokens round-trip with three decimals and a sign', () => {
  const opts = [tokenOption({ token: 'viagra', weight: 1.20449 }), tokenOption({ token: 'url:example.org', weight: -0.5 }), tokenOption({ token: 'zero', weight: 0 })];
  assert.deepEqual(opts, ['viagra:+1.204', 'url:example.org:-0.500', 'zero:+0.000']);
  assert.deepEqual(parseTokenOptions(opts), [
    { token: 'viagra', weight: 1.204 },
    { token: 'url:example.org', weight: -0.5 },
    { token: 'zero', weight: 0 },
  ]);
});

test('long tokens are cut; the probability and other options are skipped when reading', () => {
  const long = tokenOption({ token: 'x'.repeat(100), weight: 2 });
  assert.equal(long, `${'x'.repeat(60)}…:+2.000`);
  assert.deepEqual(parseTokenOptions(['0.9731', 'no weight', 'a:b', long]), [{ token: `${'x'.repeat(60)}…`, weight: 2 }]);
});
