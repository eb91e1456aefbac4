// Tests of the ScanResult → rspamd JSON mapping (checkv2 and legacy shapes).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScanResult } from '../../core/types.ts';
import { resultFixture } from '../../core/testing.ts';
import { isSpamAction, milterJson, toCheckV2Reply, toLegacyReply } from './reply-json.ts';

function result(over: Partial<ScanResult> = {}): ScanResult {
  return resultFixture({
    score: 7.5,
    action: 'add header',
    symbols: {
      TEST_A: { name: 'TEST_A', score: 7.5, weight: 2.5, group: 'test', description: 'A test symbol', options: ['x', 'y'] },
      TEST_B: { name: 'TEST_B', score: 0, weight: 0, options: [] },
    },
    timeMs: 12.5,
    messageId: 'abc@example.com',
    ...over,
  });
}

test('checkv2 reply carries rspamd fields, metric_score and time in seconds', () => {
  assert.deepEqual(toCheckV2Reply(result()), {
    is_skipped: false,
    score: 7.5,
    required_score: 15,
    action: 'add header',
    thresholds: { reject: 15, 'add header': 6, greylist: 4 },
    symbols: {
      TEST_A: { name: 'TEST_A', score: 7.5, metric_score: 2.5, description: 'A test symbol', options: ['x', 'y'] },
      TEST_B: { name: 'TEST_B', score: 0, metric_score: 0 },
    },
    messages: {},
    'message-id': 'abc@example.com',
    time_real: 0.0125,
  });
});

test('checkv2 reply: optional fields appear only when present', () => {
  const r = toCheckV2Reply(
    result({
      action: 'rewrite subject',
      subject: '***SPAM*** hi',
      urls: ['example.com'],
      emails: ['a@example.com'],
      messages: { smtp_message: 'go away' },
      forced: { action: 'reject', module: 'gtube' },
      addHeaders: [{ name: 'X-Spam', value: 'Yes' }],
      removeHeaders: [{ name: 'X-Spam', index: 0 }],
      messageId: '<wrapped@example.com>',
    }),
  );
  assert.equal(r.subject, '***SPAM*** hi');
  assert.deepEqual(r.urls, ['example.com']);
  assert.deepEqual(r.emails, ['a@example.com']);
  assert.deepEqual(r.messages, { smtp_message: 'go away' });
  assert.equal(r.passthrough_module, 'gtube');
  assert.equal(r['message-id'], 'wrapped@example.com');
  assert.deepEqual(r.milter, { add_headers: { 'X-Spam': 'Yes' }, remove_headers: { 'X-Spam': 0 } });
  const plain = toCheckV2Reply(result({ messageId: undefined }));
  for (const k of ['subject', 'urls', 'emails', 'passthrough_module', 'milter', 'message-id']) assert.equal(k in plain, false, k);
});

test('non-finite numbers never reach the JSON', () => {
  const r = toCheckV2Reply(result({ score: NaN, requiredScore: Infinity, timeMs: -Infinity }));
  assert.equal(r.score, 0);
  assert.equal(r.required_score, 0);
  assert.equal(r.time_real, 0);
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(r)));
});

test('legacy reply nests verdict and symbols in default, without metric_score, milter as rmilter', () => {
  const r = toLegacyReply(result({ addHeaders: [{ name: 'X-A', value: '1' }] }));
  assert.deepEqual(r.default, {
    is_spam: true,
    is_skipped: false,
    score: 7.5,
    required_score: 15,
    action: 'add header',
    TEST_A: { name: 'TEST_A', score: 7.5, description: 'A test symbol', options: ['x', 'y'] },
    TEST_B: { name: 'TEST_B', score: 0 },
  });
  assert.equal(r['message-id'], 'abc@example.com');
  assert.equal(r.time_real, 0.0125);
  assert.deepEqual(r.messages, {});
  assert.deepEqual(r.rmilter, { add_headers: { 'X-A': '1' } });
  assert.equal('symbols' in r, false);
});

test('is_spam: harsher than greylist', () => {
  assert.deepEqual(
    (['no action', 'greylist', 'add header', 'rewrite subject', 'soft reject', 'reject', 'discard', 'quarantine'] as const).map(isSpamAction),
    [false, false, true, true, true, true, true, true],
  );
});

test('milter block: repeated header names become a list in order', () => {
  assert.deepEqual(
    milterJson(
      [
        { name: 'X-A', value: '1' },
        { name: 'X-A', value: '2' },
        { name: 'X-A', value: '3' },
      ],
      [{ name: 'X-B', index: -1 }],
    ),
    { add_headers: { 'X-A': [{ value: '1' }, { value: '2' }, { value: '3' }] }, remove_headers: { 'X-B': -1 } },
  );
  assert.equal(milterJson([], []), undefined);
});
