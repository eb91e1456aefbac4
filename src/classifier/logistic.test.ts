// Tests for the hashed online logistic-regression model: hashing, learning, thick-threshold training and unlearning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OnlineLogistic, hashToken } from './logistic.ts';

test('hashToken is 32-bit FNV-1a', () => {
  assert.equal(hashToken(''), 0x811c9dc5);
  assert.equal(hashToken('a'), 0xe40c292c);
  assert.equal(hashToken('foobar'), 0xbf9cf968);
});

test('bits outside the supported range are refused', () => {
  assert.throws(() => new OnlineLogistic({ bits: 4 }), RangeError);
  assert.throws(() => new OnlineLogistic({ bits: 31 }), RangeError);
  assert.equal(new OnlineLogistic({ bits: 10 }).weights.length, 1024);
});

function train(m: OnlineLogistic, rounds: number): void {
  for (let i = 0; i < rounds; i++) {
    m.learn(['cheap', 'pills', `spam${i}`], true);
    m.learn(['meeting', 'notes', `ham${i}`], false);
  }
}

test('an untrained model is undecided', () => {
  const r = new OnlineLogistic({ bits: 12 }).classify(['anything']);
  assert.equal(r.probability, 0.5);
  assert.equal(r.score, 0);
  assert.deepEqual(r.topTokens, []);
});

test('learns to separate two vocabularies and explains itself', () => {
  const m = new OnlineLogistic({ bits: 16, trainBelow: 1 });
  train(m, 20);
  const spam = m.classify(['cheap', 'pills', 'new']);
  const ham = m.classify(['meeting', 'notes']);
  assert.equal(spam.verdict, 'spam');
  assert.equal(ham.verdict, 'ham');
  assert.ok(spam.probability > 0.9 && ham.probability < 0.1);
  assert.ok(spam.score > 0 && ham.score < 0);
  assert.ok(spam.topTokens.slice(0, 2).every((t) => t.weight > 0 && ['cheap', 'pills'].includes(t.token)));
  assert.ok(ham.topTokens.every((t) => t.weight < 0));
});

test('thick-threshold training skips messages it already gets right with margin', () => {
  const every = new OnlineLogistic({ bits: 16, trainBelow: 1 });
  const thick = new OnlineLogistic({ bits: 16, trainBelow: 0.9 });
  train(every, 50);
  train(thick, 50);
  assert.equal(every.updates, 100);
  assert.ok(thick.updates < 50, `thick model updated ${thick.updates} times`);
  assert.equal(thick.classify(['cheap', 'pills']).verdict, 'spam');
});

test('unlearn steps back toward the other class', () => {
  const m = new OnlineLogistic({ bits: 16, trainBelow: 1 });
  train(m, 5);
  const before = m.classify(['cheap', 'pills']).probability;
  m.learn(['cheap', 'pills'], true);
  const after = m.classify(['cheap', 'pills']).probability;
  m.learn(['cheap', 'pills'], true, -1);
  const undone = m.classify(['cheap', 'pills']).probability;
  assert.ok(after > before);
  assert.ok(undone < after);
});
