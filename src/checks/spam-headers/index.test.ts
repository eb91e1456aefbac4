// The spam-headers check through the real pipeline: verdict headers, forged-header removal, envelope-only scans untouched.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineCheck } from '../../core/check.ts';
import { scanWith } from '../../core/testing.ts';
import { gtubeCheck } from '../gtube/index.ts';
import { spamHeadersConfigSchema } from './config.ts';
import { spamdResult, spamStatus } from './format.ts';
import { spamHeadersCheck } from './index.ts';

const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

/** Adds the score given in a `X-Test-Score` header, with an option, so thresholds can be reached. */
const scorer = defineCheck<'TEST_SCORE'>({
  name: 'scorer',
  description: 'test: adds a given score',
  phase: 'filter',
  symbols: { TEST_SCORE: { weight: 1, description: 'test' } },
  run(task) {
    const n = Number(task.message?.first('x-test-score') ?? 0);
    if (n !== 0) task.hit('TEST_SCORE', ['opt;one', 'ünï'], n);
  },
});

const checks = [gtubeCheck, scorer, spamHeadersCheck];
const msg = (headers: string, body = 'hello\r\n') => `From: a@example.com\r\nSubject: hi\r\n${headers}\r\n${body}`;
const headerOf = (r: { addHeaders: { name: string; value: string }[] }, name: string) => r.addHeaders.filter((h) => h.name === name).map((h) => h.value);

test('a clean message gets X-Spam-Status: No and no X-Spam flag', async () => {
  const r = await scanWith(checks, msg(''));
  assert.deepEqual(headerOf(r, 'X-Spam-Status'), ['No, score=0.00 required=15.00']);
  assert.deepEqual(headerOf(r, 'X-Spam'), []);
  assert.deepEqual(r.removeHeaders, []);
});

test('add header score: X-Spam: Yes and status Yes with the score', async () => {
  const r = await scanWith(checks, msg('X-Test-Score: 7.5\r\n'));
  assert.equal(r.action, 'add header');
  assert.deepEqual(headerOf(r, 'X-Spam'), ['Yes']);
  assert.deepEqual(headerOf(r, 'X-Spam-Status'), ['Yes, score=7.50 required=15.00']);
});

test('greylist band is not spam for the flag', async () => {
  const r = await scanWith(checks, msg('X-Test-Score: 4.5\r\n'));
  assert.equal(r.action, 'greylist');
  assert.deepEqual(headerOf(r, 'X-Spam'), []);
  assert.deepEqual(headerOf(r, 'X-Spam-Status'), ['No, score=4.50 required=15.00']);
});

test('forged copies are removed (every occurrence), also when the scan stopped early on a reject', async () => {
  const forged = 'X-Spam: No\r\nx-spam-status: No, score=-100\r\nX-Spam: No\r\nX-Other: keep\r\n';
  const clean = await scanWith(checks, msg(forged));
  assert.deepEqual(clean.removeHeaders, [
    { name: 'X-Spam', index: 0 },
    { name: 'X-Spam-Status', index: 0 },
  ]);
  const rejected = await scanWith(checks, msg(forged, `${GTUBE}\r\n`));
  assert.equal(rejected.action, 'reject');
  assert.deepEqual(rejected.removeHeaders.map((h) => h.name), ['X-Spam', 'X-Spam-Status']);
  assert.deepEqual(headerOf(rejected, 'X-Spam'), ['Yes'], 'runs after the early exit');
});

test('X-Spamd-Result lists symbols when switched on; other headers can be switched off', async () => {
  const r = await scanWith(checks, msg('X-Test-Score: 16\r\n'), {}, {
    checks: { 'spam-headers': { add_headers: { result: true, status: false, spam_flag: false } } },
  });
  assert.deepEqual(headerOf(r, 'X-Spam-Status'), []);
  assert.deepEqual(headerOf(r, 'X-Spam'), []);
  assert.deepEqual(headerOf(r, 'X-Spamd-Result'), ['default: True [16.00 / 15.00];\n\tTEST_SCORE(16.00)[optone,?n?]']);
});

test('a configured remove list replaces the default one', async () => {
  const r = await scanWith(checks, msg('X-Spam: No\r\nX-Virus: clean\r\n'), {}, { checks: { 'spam-headers': { remove_headers: ['X-Virus'] } } });
  assert.deepEqual(r.removeHeaders, [{ name: 'X-Virus', index: 0 }]);
});

test('envelope-only scans get no headers and no removals (policy answers stay as they were)', async () => {
  const r = await scanWith(checks, undefined, { clientIp: '192.0.2.1', mailFrom: 'a@example.com', rcptTo: ['b@example.org'] });
  assert.deepEqual(r.addHeaders, []);
  assert.deepEqual(r.removeHeaders, []);
});

test('formatting: scores with two decimals, no negative zero, symbols sorted by name', () => {
  assert.equal(spamStatus(false, -0.001, 15), 'No, score=0.00 required=15.00');
  const sym = (name: string, score: number, options: string[] = []) => ({ name, score, weight: score, options });
  assert.equal(
    spamdResult(false, 1.25, 15, [sym('B_SYM', 1), sym('A_SYM', 0.25, ['x', 'y'])]),
    'default: False [1.25 / 15.00];\n\tA_SYM(0.25)[x,y];\n\tB_SYM(1.00)[]',
  );
});

const invalid: [unknown, RegExp][] = [
  [{ remove_headers: ['X Spam'] }, /header field name/],
  [{ remove_headers: ['X-Spam:'] }, /header field name/],
  [{ add_headers: { bogus: true } }, /bogus/],
  [{ bogus: 1 }, /bogus/],
];
for (const [raw, re] of invalid) {
  test(`config rejected: ${JSON.stringify(raw)}`, () => {
    const r = spamHeadersConfigSchema.safeParse(raw);
    assert.equal(r.success, false);
    assert.match(JSON.stringify(r.error?.issues), re);
  });
}
