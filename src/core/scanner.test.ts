// Pipeline tests with small inline checks: scoring, group caps, composites, early exit, failures, timeouts, settings.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineCheck } from './check.ts';
import { RESORT_EVERY_SCANS } from './scheduler.ts';
import { Scanner } from './scanner.ts';
import { scanWith, testContext, testEngine } from './testing.ts';

const MSG = 'From: a@example.com\r\nTo: b@example.org\r\nSubject: hi\r\nMessage-ID: <x@example.com>\r\n\r\nbody\r\n';

const alpha = defineCheck({
  name: 'alpha',
  description: 'always hits ALPHA',
  phase: 'filter',
  symbols: { ALPHA: { weight: 3, description: 'alpha', group: 'letters' } },
  run(task) {
    task.hit('ALPHA', ['a1']);
  },
});
const beta = defineCheck({
  name: 'beta',
  description: 'always hits BETA',
  phase: 'filter',
  symbols: { BETA: { weight: 4, description: 'beta', group: 'letters' } },
  run(task) {
    task.hit('BETA');
  },
});
const big = defineCheck({
  name: 'big',
  description: 'reaches reject alone',
  phase: 'filter',
  symbols: { BIG: { weight: 20, description: 'big' } },
  run(task) {
    task.hit('BIG');
  },
});
const whitelist = defineCheck({
  name: 'whitelist',
  description: 'negative symbol',
  phase: 'filter',
  symbols: { WL: { weight: -2, description: 'trusted' } },
  run(task) {
    task.hit('WL');
  },
});

test('symbols add up to a score and an action with rspamd default thresholds', async () => {
  const r = await scanWith([alpha, beta], MSG);
  assert.equal(r.score, 7);
  assert.equal(r.action, 'add header');
  assert.equal(r.requiredScore, 15);
  assert.deepEqual(r.symbols.ALPHA, { name: 'ALPHA', score: 3, weight: 3, group: 'letters', description: 'alpha', options: ['a1'] });
  assert.equal(r.messageId, 'x@example.com');
});

test('group max_score caps the group total', async () => {
  const r = await scanWith([alpha, beta], MSG, {}, { groups: { letters: { maxScore: 5 } } });
  assert.equal(r.score, 5);
  assert.equal(r.symbols.ALPHA.score + r.symbols.BETA.score, 5);
});

test('config overrides weights; a composite replaces its parts', async () => {
  const r = await scanWith([alpha, beta], MSG, {}, {
    symbols: { ALPHA: { weight: 1 } },
    composites: { ALPHA_AND_BETA: { expression: 'ALPHA & BETA', weight: 10 } },
  });
  assert.ok(r.symbols.ALPHA_AND_BETA);
  assert.equal(r.symbols.ALPHA, undefined, 'plain atoms are removed with their weight');
  assert.equal(r.score, 10);
  const kept = await scanWith([alpha, beta], MSG, {}, { composites: { BOTH: { expression: '-ALPHA & ~BETA', weight: 1 } } });
  assert.equal(kept.symbols.ALPHA.score, 3, '`-` leaves the symbol');
  assert.equal(kept.symbols.BETA.score, 0, '`~` keeps the symbol at score 0');
  assert.equal(kept.score, 4);
});

test('an unknown symbol in a composite stops engine creation with its name', async () => {
  await assert.rejects(testEngine([alpha], { composites: { BAD: { expression: 'ALPHA & NOPE', weight: 1 } } }), /composite BAD: unknown symbol 'NOPE'/);
});

test('early exit skips positive checks once reject is reached, never whitelists; Pass: all runs everything', async () => {
  const order = [big, alpha, whitelist];
  const r = await scanWith(order, MSG, {}, { symbols: { BIG: { weight: 100 } } });
  assert.equal(r.action, 'reject');
  assert.ok(r.symbols.WL, 'negative-weight check always runs');
  // With no statistics yet, rank follows weight: BIG runs before ALPHA, reaches reject, and ALPHA is skipped.
  assert.equal(r.symbols.ALPHA, undefined);
  const all = await scanWith(order, MSG, { passAll: true });
  assert.ok(all.symbols.ALPHA && all.symbols.BIG && all.symbols.WL);
});

test('a throwing check adds its FAIL symbol with weight 0 and the scan goes on', async () => {
  const broken = defineCheck({
    name: 'broken-thing',
    description: 'throws',
    phase: 'filter',
    symbols: { BROKEN: { weight: 5, description: 'never' } },
    run() {
      throw new Error('boom');
    },
  });
  const ctx = testContext();
  const r = await scanWith([broken, alpha], MSG, {}, { ctx });
  assert.deepEqual(r.symbols.BROKEN_THING_CHECK_FAIL.options, ['boom']);
  assert.equal(r.symbols.BROKEN_THING_CHECK_FAIL.score, 0);
  assert.ok(r.symbols.ALPHA);
  assert.ok(ctx.log.records.some((l) => l.level === 'warn' && l.fields.check === 'broken-thing'));
});

test('an async check past its timeout gets a FAIL symbol and its late hits are dropped', async () => {
  const slow = defineCheck({
    name: 'slow',
    description: 'sleeps',
    phase: 'filter',
    timeoutMs: 30,
    symbols: { SLOW: { weight: 5, description: 'late' } },
    async run(task) {
      await sleep(120);
      task.hit('SLOW');
    },
  });
  const started = Date.now();
  const r = await scanWith([slow], MSG);
  assert.ok(Date.now() - started < 110, 'the scan does not wait for the slow check');
  assert.match(r.symbols.SLOW_CHECK_FAIL.options[0], /timeout after 30 ms/);
  assert.equal(r.symbols.SLOW, undefined);
  await sleep(150);
});

test('dependencies: a check sees the evidence of the checks it depends on, even across async', async () => {
  const first = defineCheck({
    name: 'first',
    description: 'async producer',
    phase: 'filter',
    symbols: { FIRST: { weight: 1, description: 'x' } },
    async run(task) {
      await sleep(5);
      task.hit('FIRST');
    },
  });
  const second = defineCheck({
    name: 'second',
    description: 'consumer',
    phase: 'filter',
    dependsOn: ['first'],
    symbols: { SECOND: { weight: 1, description: 'saw first' } },
    run(task) {
      if (task.has('FIRST')) task.hit('SECOND');
    },
  });
  const r = await scanWith([second, first], MSG);
  assert.ok(r.symbols.SECOND);
});

test('a dependency cycle is refused at engine creation', async () => {
  const a = defineCheck({ name: 'a', description: '', phase: 'filter', dependsOn: ['b'], symbols: {}, run() {} });
  const b = defineCheck({ name: 'b', description: '', phase: 'filter', dependsOn: ['a'], symbols: {}, run() {} });
  await assert.rejects(testEngine([a, b]), /cycle: a -> b -> a/);
});

test('settings profiles switch checks off and change thresholds', async () => {
  const settings = { quiet: { checksDisabled: ['beta'], actions: { 'add header': 2 } } };
  const r = await scanWith([alpha, beta], MSG, { settingsId: 'quiet' }, { settings });
  assert.equal(r.symbols.BETA, undefined);
  assert.equal(r.action, 'add header');
  assert.equal(r.thresholds['add header'], 2);
  const ctx = testContext();
  const unknown = await scanWith([alpha, beta], MSG, { settingsId: 'nope' }, { settings, ctx });
  assert.ok(unknown.symbols.BETA);
  assert.ok(ctx.log.records.some((l) => /unknown settings id/.test(l.msg)));
});

test('an inline settings profile runs only the checks it names and wins over settingsId', async () => {
  const settings = { quiet: { checksDisabled: ['beta'] } };
  const r = await scanWith([alpha, beta], MSG, { settings: { checksEnabled: ['beta'] }, settingsId: 'quiet' }, { settings });
  assert.equal(r.symbols.ALPHA, undefined, 'alpha is not in the inline checksEnabled');
  assert.ok(r.symbols.BETA, 'the inline profile replaced the named one that disabled beta');
  assert.equal(r.score, 4);
});

test('a forced action wins over the score; checks needing a message skip envelope-only requests', async () => {
  const forcer = defineCheck({
    name: 'forcer',
    description: 'forces reject',
    phase: 'prefilter',
    needsMessage: true,
    symbols: { FORCED: { weight: 0, description: 'x' } },
    run(task) {
      task.hit('FORCED');
      task.force('reject', 'no thanks');
    },
  });
  const r = await scanWith([forcer], MSG);
  assert.equal(r.action, 'reject');
  assert.equal(r.messages.smtp_message, 'no thanks');
  assert.deepEqual(r.forced, { action: 'reject', module: 'forcer', message: 'no thanks' });
  const envelope = await scanWith([forcer], undefined, { clientIp: '192.0.2.1' });
  assert.equal(envelope.action, 'no action');
  assert.deepEqual(envelope.symbols, {});
});

test('a check may only hit its own declared symbols', async () => {
  const sneaky = defineCheck({
    name: 'sneaky',
    description: 'hits a foreign symbol',
    phase: 'filter',
    symbols: { MINE: { weight: 1, description: 'x' } },
    run(task) {
      (task.hit as (s: string) => void)('ALPHA');
    },
  });
  const ctx = testContext();
  const r = await scanWith([alpha, sneaky], MSG, {}, { ctx });
  assert.equal(r.symbols.ALPHA.score, 3);
  assert.ok(ctx.log.records.some((l) => /did not declare/.test(l.msg)));
});

test('the scheduler re-ranks checks by measured cost and hit rate', async () => {
  let rareCalls = 0;
  const rare = defineCheck({
    name: 'rare-slow',
    description: 'slow and rarely hits',
    phase: 'filter',
    symbols: { RARE: { weight: 2, description: 'x' } },
    run() {
      rareCalls++;
      const until = performance.now() + 0.2;
      while (performance.now() < until);
    },
  });
  const frequent = defineCheck({
    name: 'frequent-cheap',
    description: 'cheap and always hits',
    phase: 'filter',
    symbols: { FREQ: { weight: 1, description: 'x' } },
    run(task) {
      task.hit('FREQ');
    },
  });
  const ctx = testContext();
  const engine = await testEngine([rare, frequent], { ctx });
  const scanner = new Scanner(engine, ctx);
  assert.deepEqual(scanner.scheduler.order('filter').map((c) => c.def.name), ['rare-slow', 'frequent-cheap']);
  for (let i = 0; i < RESORT_EVERY_SCANS; i++) await scanner.scan({ rcptTo: [] });
  assert.deepEqual(scanner.scheduler.order('filter').map((c) => c.def.name), ['frequent-cheap', 'rare-slow']);
  assert.equal(rareCalls, RESORT_EVERY_SCANS);
  await engine.close();
});
