// Table-driven tests for turning a Bayes verdict into a symbol, a weight multiplier and options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evidenceFor } from './evidence.ts';
import type { BayesVerdict } from '../../classifier/service-types.ts';

function verdict(probability: number, active = true, reason?: string): BayesVerdict {
  return { probability, score: 0, verdict: 'unsure', topTokens: [], active, reason, nspam: 30, nham: 30, model: 'logistic', tokens: 50 };
}

const T = { spam: 0.9, ham: 0.5 };

test('symbol, multiplier and option per probability', () => {
  const cases: Array<[p: number, symbol: string, multiplier: number, option: string]> = [
    [1, 'BAYES_SPAM', 1, '1.0000'],
    [0.95, 'BAYES_SPAM', 0.75, '0.9500'],
    [0.9, 'BAYES_SPAM', 0.5, '0.9000'],
    [0.8999, 'BAYES_UNSURE', 1, '0.8999'],
    [0.5, 'BAYES_UNSURE', 1, '0.5000'],
    [0.4999, 'BAYES_HAM', 0.5001, '0.4999'],
    [0.25, 'BAYES_HAM', 0.75, '0.2500'],
    [0, 'BAYES_HAM', 1, '0.0000'],
  ];
  for (const [p, symbol, multiplier, option] of cases) {
    const e = evidenceFor(verdict(p), T);
    assert.equal(e.symbol, symbol, `p=${p}`);
    assert.ok(Math.abs(e.multiplier - multiplier) < 1e-9, `p=${p}: multiplier ${e.multiplier}`);
    assert.deepEqual(e.options, [option], `p=${p}`);
  }
});

test('an inactive classifier reports its reason', () => {
  assert.deepEqual(evidenceFor(verdict(0.5, false, 'learned 1 spam / 0 ham; needs 20 of each'), T), {
    symbol: 'BAYES_INACTIVE',
    multiplier: 1,
    options: ['learned 1 spam / 0 ham; needs 20 of each'],
  });
});
