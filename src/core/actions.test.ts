// Tests of threshold → action selection and threshold validation.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionForScore, DEFAULT_THRESHOLDS, requiredScore, validateThresholds } from './actions.ts';

test('picks the most severe action whose threshold is reached (rspamd defaults)', () => {
  const cases: [number, string][] = [
    [-5, 'no action'],
    [3.99, 'no action'],
    [4, 'greylist'],
    [5.9, 'greylist'],
    [6, 'add header'],
    [14.99, 'add header'],
    [15, 'reject'],
    [100, 'reject'],
  ];
  for (const [score, want] of cases) assert.equal(actionForScore(score, DEFAULT_THRESHOLDS), want, String(score));
});

test('optional actions take part once configured', () => {
  const t = { ...DEFAULT_THRESHOLDS, 'rewrite subject': 8, 'soft reject': 12 };
  assert.equal(actionForScore(9, t), 'rewrite subject');
  assert.equal(actionForScore(12, t), 'soft reject');
  assert.equal(requiredScore(t), 15);
  assert.equal(requiredScore({ ...t, reject: null }), 12);
});

test('thresholds must rise with severity', () => {
  assert.equal(validateThresholds(DEFAULT_THRESHOLDS), undefined);
  assert.match(validateThresholds({ ...DEFAULT_THRESHOLDS, greylist: 7 }) ?? '', /'add header' \(6\) is below 'greylist' \(7\)/);
  assert.match(validateThresholds({ ...DEFAULT_THRESHOLDS, reject: Number.NaN }) ?? '', /finite/);
});
