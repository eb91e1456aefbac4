// Table-driven tests for the autolearn decision and the class-balance rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autolearnClass, keepsBalance } from './autolearn.ts';
import type { ScanResult } from '../../core/types.ts';
import { resultFixture } from '../../core/testing.ts';

const RULE = { spam_score: 12, ham_score: -2, balance_ratio: 3 };

function result(score: number, bayes?: [name: string, score: number], forced?: string): ScanResult {
  const symbols: ScanResult['symbols'] = {};
  if (bayes) symbols[bayes[0]] = { name: bayes[0], score: bayes[1], weight: 5, options: [] };
  return resultFixture({ score, symbols, timeMs: 1, forced: forced ? { action: 'reject', module: forced } : undefined });
}

test('which class a scan result autolearns as', () => {
  const cases: Array<[ScanResult, 'spam' | 'ham' | undefined]> = [
    [result(12), 'spam'],
    [result(11.99), undefined],
    [result(16, ['BAYES_SPAM', 5]), undefined],
    [result(17, ['BAYES_SPAM', 5]), 'spam'],
    [result(-2), 'ham'],
    [result(-1, ['BAYES_HAM', -3]), undefined],
    [result(-5, ['BAYES_HAM', -3]), 'ham'],
    [result(0), undefined],
    [result(20, undefined, 'gtube'), undefined],
  ];
  for (const [r, want] of cases) assert.equal(autolearnClass(r, RULE).cls, want, JSON.stringify({ score: r.score, symbols: Object.keys(r.symbols), forced: r.forced }));
});

test('balance: (n + 1) / (m + 1) must stay within the ratio', () => {
  const cases: Array<[cls: 'spam' | 'ham', nspam: number, nham: number, ok: boolean]> = [
    ['spam', 0, 0, true],
    ['spam', 2, 0, true],
    ['spam', 3, 0, false],
    ['ham', 3, 0, true],
    ['spam', 29, 9, true],
    ['spam', 30, 9, false],
    ['ham', 100, 0, true],
  ];
  for (const [cls, nspam, nham, ok] of cases) assert.equal(keepsBalance(cls, { nspam, nham }, 3), ok, `${cls} ${nspam}/${nham}`);
});
