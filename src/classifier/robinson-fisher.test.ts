// Tests for Robinson's f(w), the log-space inverse chi-square and the in-memory Robinson-Fisher model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BOGOFILTER_PARAMS, RobinsonFisher, combine, logChi2Q, tokenSpamminess } from './robinson-fisher.ts';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} !≈ ${b}`);

test('tokenSpamminess follows Robinson with bogofilter defaults', () => {
  const p = BOGOFILTER_PARAMS;
  // Seen once in one spam of one: p(w) = 1, f = (s·x + 1)/(s + 1).
  close(tokenSpamminess({ spam: 1, ham: 0 }, 1, 1, p) as number, (0.0178 * 0.52 + 1) / 1.0178);
  // Ratios are per class total: 2 of 4 spam vs 1 of 2 ham is neutral.
  close(tokenSpamminess({ spam: 2, ham: 1 }, 4, 2, p) as number, (0.0178 * 0.52 + 3 * 0.5) / 3.0178);
  // Never seen: no opinion.
  assert.equal(tokenSpamminess({ spam: 0, ham: 0 }, 10, 10, p), undefined);
  // A large s pulls a rare token toward x.
  close(tokenSpamminess({ spam: 1, ham: 0 }, 1, 1, { ...p, s: 1000 }) as number, (1000 * 0.52 + 1) / 1001);
});

test('logChi2Q matches closed forms for small even degrees of freedom', () => {
  for (const x of [0.5, 3, 10, 40]) {
    close(logChi2Q(x, 1), -x / 2); // 2 df: Q = e^(-x/2)
    close(logChi2Q(x, 2), -x / 2 + Math.log(1 + x / 2)); // 4 df
    close(logChi2Q(x, 3), -x / 2 + Math.log(1 + x / 2 + (x * x) / 8)); // 6 df
  }
  assert.equal(logChi2Q(0, 5), 0);
});

test('logChi2Q stays finite where the plain series would overflow or underflow', () => {
  const v = logChi2Q(20_000, 2_000);
  assert.ok(Number.isFinite(v) && v < -1000);
  // Mean of chi-square is its df: the tail there is substantial.
  const mid = logChi2Q(4000, 2000);
  assert.ok(mid > Math.log(0.3) && mid < 0);
});

test('combine: strong spam tokens give probability near 1, ham tokens near 0', () => {
  const lookup = { nspam: 10, nham: 10, counts: [{ spam: 10, ham: 0 }, { spam: 9, ham: 0 }, { spam: 0, ham: 0 }] };
  const spam = combine(['a', 'b', 'c'], lookup, BOGOFILTER_PARAMS, { spam: 0.99, ham: 0.45 });
  assert.ok(spam.probability > 0.99);
  assert.equal(spam.verdict, 'spam');
  assert.deepEqual(spam.topTokens.map((t) => t.token), ['a', 'b']);
  const hamLookup = { nspam: 10, nham: 10, counts: [{ spam: 0, ham: 10 }, { spam: 1, ham: 9 }] };
  const ham = combine(['x', 'y'], hamLookup, BOGOFILTER_PARAMS, { spam: 0.99, ham: 0.45 });
  assert.ok(ham.probability < 0.01);
  assert.equal(ham.verdict, 'ham');
  assert.ok(ham.score < spam.score);
});

test('combine: with no token past min_dev the answer is x (unsure)', () => {
  const lookup = { nspam: 10, nham: 10, counts: [{ spam: 5, ham: 5 }] };
  const r = combine(['even'], lookup, BOGOFILTER_PARAMS, { spam: 0.99, ham: 0.45 });
  assert.equal(r.probability, BOGOFILTER_PARAMS.x);
  assert.equal(r.verdict, 'unsure');
  assert.deepEqual(r.topTokens, []);
});

test('combine: maxDiscriminators keeps only the strongest tokens', () => {
  const lookup = { nspam: 10, nham: 10, counts: [{ spam: 10, ham: 0 }, { spam: 0, ham: 1 }, { spam: 0, ham: 1 }] };
  const all = combine(['s', 'h1', 'h2'], lookup, BOGOFILTER_PARAMS, { spam: 0.99, ham: 0.45 });
  const one = combine(['s', 'h1', 'h2'], lookup, { ...BOGOFILTER_PARAMS, maxDiscriminators: 1 }, { spam: 0.99, ham: 0.45 });
  assert.deepEqual(one.topTokens.map((t) => t.token), ['s']);
  assert.ok(one.probability > all.probability);
});

test('RobinsonFisher learns, classifies and unlearns', () => {
  const m = new RobinsonFisher();
  for (let i = 0; i < 5; i++) {
    m.learn(['viagra', 'cheap', `s${i}`], true);
    m.learn(['meeting', 'agenda', `h${i}`], false);
  }
  assert.equal(m.classify(['viagra', 'cheap', 'unknown']).verdict, 'spam');
  assert.equal(m.classify(['meeting', 'agenda']).verdict, 'ham');
  const before = m.size;
  m.learn(['viagra', 'fresh'], true);
  m.learn(['viagra', 'fresh'], true, -1);
  assert.equal(m.size, before);
  assert.deepEqual(m.lookup(['viagra', 'fresh']), { nspam: 5, nham: 5, counts: [{ spam: 5, ham: 0 }, { spam: 0, ham: 0 }] });
  // Unlearning what was never learned does not go negative.
  m.learn(['never'], false, -1);
  assert.deepEqual(m.lookup(['never']).counts, [{ spam: 0, ham: 0 }]);
});
