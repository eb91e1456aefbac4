// Hand-computed ROC, error-count and operating-point cases for the accuracy measures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorsAt, oneMinusRocaPercent, rocArea, spamCaughtAtHamRate } from './evaluate.ts';
import type { Scored } from './evaluate.ts';

const s = (score: number): Scored => ({ score, isSpam: true });
const h = (score: number): Scored => ({ score, isSpam: false });

const rocCases: { name: string; items: Scored[]; area: number }[] = [
  { name: 'perfect separation', items: [h(0.1), h(0.2), s(0.8), s(0.9)], area: 1 },
  { name: 'fully inverted', items: [s(0.1), s(0.2), h(0.8), h(0.9)], area: 0 },
  // pairs (spam,ham): (0.9,0.1)+ (0.9,0.5)+ (0.4,0.1)+ (0.4,0.5)- → 3/4
  { name: 'one swapped pair', items: [h(0.1), h(0.5), s(0.4), s(0.9)], area: 0.75 },
  { name: 'everything tied', items: [h(1), h(1), s(1), s(1)], area: 0.5 },
  // pairs: (0.7 vs 0.2)=1, (0.7 vs 0.7)=0.5, (0.9 vs both)=2 → 3.5/4
  { name: 'one spam-ham tie', items: [h(0.2), h(0.7), s(0.7), s(0.9)], area: 0.875 },
  // spam ties among themselves do not matter
  { name: 'ties within a class', items: [h(0), h(0), s(1), s(1), s(1)], area: 1 },
  // 1 spam, 3 ham: spam above one, tied with one, below one → (1 + 0.5) / 3
  { name: 'unbalanced', items: [h(1), h(2), h(3), s(2)], area: 0.5 },
];

for (const c of rocCases) {
  test(`rocArea: ${c.name}`, () => {
    assert.equal(rocArea(c.items), c.area);
  });
}

test('rocArea does not depend on input order', () => {
  const items = [s(3), h(1), s(2), h(2), h(0), s(5)];
  const reversed = [...items].reverse();
  assert.equal(rocArea(items), rocArea(reversed));
  // pairs: ham 0,1 lose to all 3 spam (6); ham 2 ties spam 2 (0.5), loses to 3 and 5 (2) → 8.5/9
  assert.equal(rocArea(items), 8.5 / 9);
});

test('rocArea is NaN without both classes', () => {
  assert.ok(Number.isNaN(rocArea([s(1), s(2)])));
  assert.ok(Number.isNaN(rocArea([])));
});

test('oneMinusRocaPercent is the area above the curve in percent', () => {
  assert.equal(oneMinusRocaPercent([h(0.1), h(0.5), s(0.4), s(0.9)]), 25);
  assert.equal(oneMinusRocaPercent([h(0), s(1)]), 0);
});

test('errorsAt separates misfiled from unsure', () => {
  const items = [
    { probability: 0.995, isSpam: false }, // FP
    { probability: 0.6, isSpam: false }, // unsure ham
    { probability: 0.1, isSpam: false },
    { probability: 0.99, isSpam: true }, // at the cut-off: spam
    { probability: 0.45, isSpam: true }, // at the ham cut-off: unsure
    { probability: 0.2, isSpam: true }, // FN
  ];
  assert.deepEqual(errorsAt(items, 0.99, 0.45), {
    ham: 3, spam: 3, falsePositives: 1, falseNegatives: 1, unsureHam: 1, unsureSpam: 1,
  });
});

test('spamCaughtAtHamRate finds the lowest cut-off within the ham budget', () => {
  // 1000 ham at 0..0.999, plus one ham at 5; spam at 2, 3, 4, 6 and 0.5.
  const items: Scored[] = [];
  for (let i = 0; i < 1000; i++) items.push(h(i / 1000));
  items.push(h(5));
  for (const v of [2, 3, 4, 6, 0.5]) items.push(s(v));
  // 1001 ham → 1 may be misfiled: the cut-off can fall to 2 (ham at 5 misfiled), catching 4 of 5.
  const op = spamCaughtAtHamRate(items, 0.001);
  assert.equal(op.threshold, 2);
  assert.equal(op.spamCaught, 4 / 5);
  assert.equal(op.hamMisfiled, 1 / 1001);
});

test('spamCaughtAtHamRate: a tie with ham is caught whole or not at all', () => {
  // 10 ham, none may be misfiled; a spam tied with the top ham cannot be caught.
  const items: Scored[] = [];
  for (let i = 0; i < 10; i++) items.push(h(i));
  items.push(s(9), s(10), s(11));
  const op = spamCaughtAtHamRate(items, 0.001);
  assert.equal(op.threshold, 10);
  assert.equal(op.spamCaught, 2 / 3);
  assert.equal(op.hamMisfiled, 0);
});
