// Tests for the bayes check through the real pipeline with a memory store: inactive, trained verdicts, autolearn, config validation and the prune lock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bayesCheck, bayesServiceOf } from './index.ts';
import { bayesConfigSchema } from './config.ts';
import { startPruneTimer } from './prune-timer.ts';
import { createBayesService } from '../../classifier/bayes-service.ts';
import { parseTestMail, testMail } from '../../classifier/test-mail.ts';
import { defineCheck } from '../../core/check.ts';
import { Scanner } from '../../core/scanner.ts';
import { scanWith, testContext, testEngine } from '../../core/testing.ts';
import { createMemoryStore } from '../../storage/memory/memory-store.ts';
import type { Store } from '../../storage/store.ts';
import { MemoryLogger } from '../../log/memory-logger.ts';

const MIN_LEARNS = 5;

async function trainedStore(n = MIN_LEARNS + 3): Promise<Store> {
  const store = createMemoryStore();
  const svc = createBayesService(store, { minLearns: MIN_LEARNS });
  for (let i = 0; i < n; i++) {
    await svc.learn(await parseTestMail('spam', i), 'spam');
    await svc.learn(await parseTestMail('ham', i), 'ham');
  }
  return store;
}

test('untrained: BAYES_INACTIVE says why and adds no score', async () => {
  const ctx = testContext({ store: createMemoryStore() });
  const r = await scanWith([bayesCheck], testMail('spam', 1), {}, { ctx });
  assert.deepEqual(Object.keys(r.symbols), ['BAYES_INACTIVE']);
  assert.deepEqual(r.symbols.BAYES_INACTIVE.options, ['learned 0 spam / 0 ham; needs 20 of each']);
  assert.equal(r.score, 0);
});

test('trained: BAYES_SPAM and BAYES_HAM with the probability as option and a weight scaled by it', async () => {
  const store = await trainedStore();
  const ctx = testContext({ store });
  const opts = { ctx, checks: { bayes: { min_learns: MIN_LEARNS } } };
  const spam = await scanWith([bayesCheck], testMail('spam', 500), {}, opts);
  assert.ok(spam.symbols.BAYES_SPAM, JSON.stringify(spam.symbols));
  const p = Number(spam.symbols.BAYES_SPAM.options[0]);
  assert.match(spam.symbols.BAYES_SPAM.options[0], /^\d\.\d{4}$/);
  assert.ok(p >= 0.9);
  assert.equal(spam.symbols.BAYES_SPAM.weight, 5);
  assert.ok(spam.score >= 2.5 && spam.score <= 5, `score ${spam.score}`);

  const ham = await scanWith([bayesCheck], testMail('ham', 500), {}, opts);
  assert.ok(ham.symbols.BAYES_HAM, JSON.stringify(ham.symbols));
  assert.ok(ham.score <= -1.5 && ham.score >= -3, `score ${ham.score}`);
});

test('a message too short to judge is reported, not scored', async () => {
  const store = await trainedStore();
  const r = await scanWith([bayesCheck], 'Subject: hi\r\n\r\nok\r\n', {}, { ctx: testContext({ store }), checks: { bayes: { min_learns: MIN_LEARNS } } });
  assert.match(r.symbols.BAYES_INACTIVE?.options[0] ?? '', /^message has \d tokens; needs 10$/);
  assert.equal(r.score, 0);
});

/** Adds a fixed score, standing in for the rest of the rule set. */
const fixedScore = defineCheck<'TEST_SCORE', { score: number }>({
  name: 'fixed-score',
  description: 'test helper',
  phase: 'filter',
  symbols: { TEST_SCORE: { weight: 1, description: 'test score' } },
  run(task, _s, config) {
    task.hit('TEST_SCORE', [], config.score);
  },
});

/** Scans each message in turn with one engine (bayes + a fixed score) and waits for the after-scan work. */
async function autolearnScan(store: Store, score: number, raw: string | string[], bayes: Record<string, unknown>, log = new MemoryLogger()): Promise<void> {
  const ctx = testContext({ store, log });
  const engine = await testEngine([bayesCheck, { ...fixedScore, configSchema: undefined }], {
    ctx,
    checks: { bayes: { min_learns: MIN_LEARNS, ...bayes }, 'fixed-score': { score } },
  });
  try {
    const scanner = new Scanner(engine, ctx);
    for (const one of typeof raw === 'string' ? [raw] : raw) {
      const r = await scanner.scan({ rcptTo: [], message: new TextEncoder().encode(one) });
      assert.equal(r.symbols.BAYES_CHECK_FAIL, undefined);
      await scanner.idle();
    }
  } finally {
    await engine.close();
  }
}

test('autolearn: off by default; learns clear spam and clear ham; skips the middle and unbalanced learns', async () => {
  const store = createMemoryStore();
  const svc = createBayesService(store, {});
  const on = { autolearn: { enabled: true } };
  await autolearnScan(store, 20, testMail('spam', 1), {});
  assert.deepEqual(await svc.totals(), { nspam: 0, nham: 0 }, 'disabled by default');

  await autolearnScan(store, 12, testMail('spam', 1), on);
  assert.deepEqual(await svc.totals(), { nspam: 1, nham: 0 });
  assert.deepEqual(await store.counters.getAll(), { learned: 1, 'learned:spam': 1 });
  await autolearnScan(store, 5, testMail('spam', 2), on);
  await autolearnScan(store, -1, testMail('ham', 2), on);
  assert.deepEqual(await svc.totals(), { nspam: 1, nham: 0 }, 'scores between the thresholds are not learned');

  await autolearnScan(store, 15, testMail('spam', 3), on);
  await autolearnScan(store, 15, testMail('spam', 4), on);
  assert.deepEqual(await svc.totals(), { nspam: 3, nham: 0 });
  await autolearnScan(store, 15, testMail('spam', 5), on);
  assert.deepEqual(await svc.totals(), { nspam: 3, nham: 0 }, 'a 4th spam against 0 ham is over balance_ratio 3');
  await autolearnScan(store, -2, testMail('ham', 5), on);
  assert.deepEqual(await svc.totals(), { nspam: 3, nham: 1 });
});

test("autolearn judges the score without the classifier's own symbols", async () => {
  const store = await trainedStore();
  const svc = createBayesService(store, {});
  const before = await svc.totals();
  // 8 + BAYES_SPAM (2.5..5) would pass spam_score 12 only by counting Bayes itself.
  await autolearnScan(store, 8, testMail('spam', 600), { autolearn: { enabled: true, balance_ratio: 100 } });
  assert.deepEqual(await svc.totals(), before);
});

test('autolearn store failures are logged once per incident and never fail the scan', async () => {
  const store = createMemoryStore();
  store.weights.apply = async () => Promise.reject(new Error('disk full'));
  const log = new MemoryLogger();
  await autolearnScan(store, 20, [testMail('spam', 1), testMail('spam', 2), testMail('ham', 3)], { autolearn: { enabled: true, balance_ratio: 100 } }, log);
  const errors = () => log.records.filter((r) => r.level === 'error').map((r) => r.msg);
  assert.deepEqual(errors(), ['autolearn failed; scans go on without learning']);
  assert.deepEqual(await store.counters.getAll(), {});
});

test('bayesServiceOf finds the running service of an engine', async () => {
  const store = createMemoryStore();
  const engine = await testEngine([bayesCheck], { ctx: testContext({ store }), checks: { bayes: { model: 'robinson-fisher' } } });
  try {
    assert.equal(bayesServiceOf(engine)?.model, 'robinson-fisher');
  } finally {
    await engine.close();
  }
  assert.equal(bayesServiceOf({ checks: [] }), undefined);
});

test('config: snake_case keys with defaults; inconsistent values are refused', () => {
  const c = bayesConfigSchema.parse({});
  assert.equal(c.model, 'logistic');
  assert.deepEqual(c.autolearn, { enabled: false, spam_score: 12, ham_score: -2, balance_ratio: 3 });
  assert.equal(c.min_learns, 20);
  const bad: unknown[] = [
    { ham_cutoff: 0.95 },
    { model: 'robinson-fisher', spam_cutoff: 0.4 },
    { autolearn: { spam_score: -5 } },
    { autolearn: { balance_ratio: 0.5 } },
    { minLearns: 3 },
    { model: 'naive' },
  ];
  for (const raw of bad) assert.equal(bayesConfigSchema.safeParse(raw).success, false, JSON.stringify(raw));
});

test('prune timer: one prune per interval across processes sharing the store', async () => {
  const store = createMemoryStore();
  let now = Date.UTC(2025, 0, 1);
  const clock = { now: () => now };
  const log = new MemoryLogger();
  const a = startPruneTimer(store, 24, {}, clock, log);
  const b = startPruneTimer(store, 24, {}, clock, log);
  try {
    assert.equal(await a.runOnce(), true);
    assert.equal(await b.runOnce(), false);
    now += 23 * 3600 * 1000;
    assert.equal(await b.runOnce(), false);
    now += 2 * 3600 * 1000;
    assert.equal(await b.runOnce(), true);
    assert.equal(log.records.filter((r) => r.msg === 'bayes statistics pruned').length, 2);
  } finally {
    a.stop();
    b.stop();
  }
});
