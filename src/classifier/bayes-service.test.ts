// Tests for the store-backed Bayes service over the memory store: activation, learn/already/relearn/unlearn, minimum tokens, per-user namespaces, both models.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBayesService, type BayesServiceConfig } from './bayes-service.ts';
import { messageSignature } from './signature.ts';
import { parseTestMail, testMail } from './test-mail.ts';
import { parseMessage } from '../mime/parse.ts';
import { createMemoryStore } from '../storage/memory/memory-store.ts';
import type { BayesService } from './service-types.ts';
import type { Store } from '../storage/store.ts';

const NOW = Date.UTC(2025, 2, 4, 12);
const clock = { now: () => NOW };

function service(config: Partial<BayesServiceConfig> = {}, store: Store = createMemoryStore()): { svc: BayesService; store: Store } {
  return { svc: createBayesService(store, { minLearns: 5, ...config }, clock), store };
}

async function train(svc: BayesService, n: number, opts: { user?: string; from?: number } = {}): Promise<void> {
  const from = opts.from ?? 0;
  for (let i = from; i < from + n; i++) {
    assert.equal(await svc.learn(await parseTestMail('spam', i), 'spam', { user: opts.user }), 'learned');
    assert.equal(await svc.learn(await parseTestMail('ham', i), 'ham', { user: opts.user }), 'learned');
  }
}

for (const model of ['logistic', 'robinson-fisher'] as const) {
  test(`${model}: inactive until the minimum of each class is learned, then separates spam from ham`, async () => {
    const { svc } = service({ model });
    await train(svc, 4);
    const early = await svc.classify(await parseTestMail('spam', 100));
    assert.equal(early.active, false);
    assert.equal(early.verdict, 'unsure');
    assert.equal(early.probability, 0.5);
    assert.equal(early.reason, 'learned 4 spam / 4 ham; needs 5 of each');
    assert.equal(early.model, model);

    await train(svc, 6, { from: 4 });
    const spam = await svc.classify(await parseTestMail('spam', 100));
    const ham = await svc.classify(await parseTestMail('ham', 100));
    assert.equal(spam.active, true);
    assert.equal(spam.nspam, 10);
    assert.equal(spam.nham, 10);
    assert.equal(spam.verdict, 'spam', `spam p=${spam.probability}`);
    assert.equal(ham.verdict, 'ham', `ham p=${ham.probability}`);
    assert.ok(spam.topTokens.length > 0 && spam.topTokens[0].weight > 0);
    assert.ok(ham.topTokens.length > 0 && ham.topTokens[0].weight < 0);
  });

  test(`${model}: the same message is never counted twice; learning it as the other class moves it`, async () => {
    const { svc } = service({ model });
    await train(svc, 6);
    const msg = await parseTestMail('spam', 200);
    assert.equal(await svc.learn(msg, 'spam'), 'learned');
    // A copy that took another path (LF line ends, an extra trace header) is the same message.
    const copy = await parseMessage(new TextEncoder().encode(`Received: from relay.example by mx.example.net\n${testMail('spam', 200).replace(/\r\n/g, '\n')}`));
    assert.equal(svc.signature(copy), svc.signature(msg));
    assert.equal(await svc.learn(copy, 'spam'), 'already');
    assert.deepEqual(await svc.totals(), { nspam: 7, nham: 6 });

    const before = (await svc.classify(msg)).probability;
    assert.equal(await svc.learn(msg, 'ham'), 'relearned');
    assert.deepEqual(await svc.totals(), { nspam: 6, nham: 7 });
    const after = (await svc.classify(msg)).probability;
    assert.ok(after < before, `relearn as ham should lower p: ${before} -> ${after}`);
    assert.equal(await svc.learn(msg, 'ham'), 'already');
  });

  test(`${model}: unlearn takes a learned message back; unlearning an unknown one changes nothing`, async () => {
    const { svc } = service({ model });
    await train(svc, 6);
    const msg = await parseTestMail('ham', 300);
    assert.equal(await svc.learn(msg, 'spam', { delta: -1 }), 'not-learned');
    assert.equal(await svc.learn(msg, 'ham'), 'learned');
    assert.equal(await svc.learn(msg, 'spam', { delta: -1 }), 'not-learned');
    assert.equal(await svc.learn(msg, 'ham', { delta: -1 }), 'unlearned');
    assert.deepEqual(await svc.totals(), { nspam: 6, nham: 6 });
    // Once unlearned it can be learned again.
    assert.equal(await svc.learn(msg, 'ham'), 'learned');
  });
}

test('a message with fewer tokens than min_tokens is neither learned nor classified', async () => {
  const { svc } = service({ minTokens: 30 });
  const short = await parseTestMail('spam', 1, { bodyWords: 3 });
  assert.ok(svc.tokenCount(short) < 30);
  assert.equal(await svc.learn(short, 'spam'), 'too-few-tokens');
  assert.deepEqual(await svc.totals(), { nspam: 0, nham: 0 });
  const v = await svc.classify(short);
  assert.equal(v.active, false);
  assert.match(v.reason ?? '', /^message has \d+ tokens; needs 30$/);
});

test('logistic: an explicit learn always moves the model, an autolearn of a message it already gets right does not', async () => {
  const { svc } = service();
  await train(svc, 10);
  const auto = await parseTestMail('spam', 400);
  const p0 = (await svc.classify(auto)).probability;
  assert.ok(p0 > 0.95, `trained model should be sure: ${p0}`);
  assert.equal(await svc.learn(auto, 'spam', { mode: 'auto' }), 'learned');
  assert.equal((await svc.classify(auto)).probability, p0);
  assert.equal((await svc.totals()).nspam, 11, 'a skipped step still records the message');

  const explicit = await parseTestMail('spam', 401);
  const p1 = (await svc.classify(explicit)).probability;
  assert.equal(await svc.learn(explicit, 'spam'), 'learned');
  assert.ok((await svc.classify(explicit)).probability > p1);
});

test('per-user statistics: learns go to the user; a user without enough learns is classified site-wide', async () => {
  const { svc } = service({ perUser: true });
  await train(svc, 6);
  await train(svc, 2, { user: 'dave@example.net', from: 50 });
  assert.deepEqual(await svc.totals({ user: 'dave@example.net' }), { nspam: 2, nham: 2 });
  assert.deepEqual(await svc.totals(), { nspam: 6, nham: 6 });

  const v = await svc.classify(await parseTestMail('spam', 100), { user: 'dave@example.net' });
  assert.equal(v.active, true);
  assert.equal(v.user, undefined, 'fell back to the site-wide namespace');
  assert.equal(v.verdict, 'spam');

  await train(svc, 4, { user: 'dave@example.net', from: 60 });
  const own = await svc.classify(await parseTestMail('spam', 100), { user: 'dave@example.net' });
  assert.equal(own.user, 'dave@example.net');
  assert.equal(own.nspam, 6);

  const { svc: empty } = service({ perUser: true });
  await train(empty, 1, { user: 'erin@example.net' });
  const neither = await empty.classify(await parseTestMail('spam', 100), { user: 'erin@example.net' });
  assert.equal(neither.active, false);
  assert.equal(neither.reason, 'user erin@example.net: learned 1 spam / 1 ham; needs 5 of each; site-wide: learned 0 spam / 0 ham; needs 5 of each');
});

test('without per-user statistics a user option is ignored', async () => {
  const { svc } = service();
  await train(svc, 1, { user: 'dave@example.net' });
  assert.deepEqual(await svc.totals(), { nspam: 1, nham: 1 });
  assert.equal(svc.userFor({ deliverTo: 'dave@example.net', rcptTo: [] }), undefined);
});

test('userFor: Deliver-To, else the only recipient, lower-cased; else site-wide', () => {
  const { svc } = service({ perUser: true });
  const cases: Array<[{ deliverTo?: string; rcptTo?: string[] }, string | undefined]> = [
    [{ deliverTo: 'Dave@Example.NET', rcptTo: ['x@example.net', 'y@example.net'] }, 'dave@example.net'],
    [{ rcptTo: ['Erin@example.net'] }, 'erin@example.net'],
    [{ rcptTo: ['x@example.net', 'y@example.net'] }, undefined],
    [{ deliverTo: '  ', rcptTo: [] }, undefined],
    [{}, undefined],
  ];
  for (const [env, want] of cases) assert.equal(svc.userFor(env), want, JSON.stringify(env));
});

test('signature depends on both Message-ID and body', async () => {
  const a = await parseTestMail('ham', 1);
  const sameBodyOtherId = await parseTestMail('ham', 1, { messageId: '<other@work.example.org>' });
  const otherBody = await parseTestMail('ham', 2, { messageId: '<ham-1@work.example.org>' });
  assert.match(messageSignature(a), /^[0-9a-f]{32}$/);
  assert.notEqual(messageSignature(a), messageSignature(sameBodyOtherId));
  assert.notEqual(messageSignature(a), messageSignature(otherBody));
});

test('stats report the model, backend, learned totals and size', async () => {
  for (const model of ['logistic', 'robinson-fisher'] as const) {
    const { svc } = service({ model });
    await train(svc, 2);
    const s = await svc.stats();
    assert.equal(s.model, model);
    assert.equal(s.backend, 'memory');
    assert.equal(s.nspam, 2);
    assert.equal(s.nham, 2);
    assert.equal(s.signatures, 4);
    assert.equal(s.users, 1);
    assert.ok(s.used > 10 && s.total >= s.used, JSON.stringify(s));
  }
});
