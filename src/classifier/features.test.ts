// Tests for featuresOf and topTokens against plain reference implementations (a Map of first positions, a full stable sort).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { featuresOf, topTokens } from './features.ts';
import { bucketsOf, DEFAULT_LOGISTIC_PARAMS } from './logistic.ts';
import { TOP_TOKENS } from './types.ts';

function reference(tokens: string[], bits: number) {
  const idx = bucketsOf(tokens, bits);
  const at = new Map<number, number>();
  const out = { buckets: [] as number[], mult: [] as number[], token: [] as string[] };
  idx.forEach((b, i) => {
    const k = at.get(b);
    if (k !== undefined) out.mult[k]++;
    else {
      at.set(b, out.buckets.length);
      out.buckets.push(b);
      out.mult.push(1);
      out.token.push(tokens[i]);
    }
  });
  return out;
}

test('featuresOf: distinct buckets in first-seen order with their token counts, also with collisions and huge messages', () => {
  const cases: [string, string[], number][] = [
    ['empty', [], 22],
    ['small', ['a', 'b', 'c', 'a'], 22],
    // 8 bits: 2,000 tokens must collide into at most 256 buckets.
    ['colliding', Array.from({ length: 2000 }, (_, i) => `t${i}`), 8],
    // More tokens than the initial table holds: it grows.
    ['huge', Array.from({ length: 12_000 }, (_, i) => `w${i % 9000}`), 22],
    ['small again after huge', ['x', 'y', 'x', 'z'], 22],
  ];
  for (const [name, tokens, bits] of cases) {
    const f = featuresOf(tokens, { ...DEFAULT_LOGISTIC_PARAMS, bits });
    const want = reference(tokens, bits);
    assert.deepEqual({ buckets: f.buckets, mult: f.mult, token: f.token }, want, name);
    assert.equal(f.mult.reduce((a, b) => a + b, 0), tokens.length, `${name}: every token counted`);
  }
  assert.ok(featuresOf(Array.from({ length: 2000 }, (_, i) => `t${i}`), { ...DEFAULT_LOGISTIC_PARAMS, bits: 8 }).buckets.length <= 256);
});

test('topTokens: the strongest non-zero weights, as a stable sort by |weight| would pick them', () => {
  const tokens = Array.from({ length: 60 }, (_, i) => `t${i}`);
  const f = featuresOf(tokens, DEFAULT_LOGISTIC_PARAMS);
  // Many ties (|w| in a few values) and zeros, positive and negative.
  const weights = f.buckets.map((_, i) => (i % 7 === 0 ? 0 : ((i % 5) - 2) * (i % 3 === 0 ? 1 : 0.5)));
  const all = f.buckets
    .map((_, i) => ({ token: f.token[i], weight: weights[i] * f.scale }))
    .filter((t) => t.weight !== 0)
    .sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight))
    .slice(0, TOP_TOKENS);
  assert.deepEqual(topTokens(f, weights), all);
  assert.deepEqual(topTokens(f, weights.map(() => 0)), []);
});
