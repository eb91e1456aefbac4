// Tests for batched learning sessions and bulk classification: a model trained batch by batch equals the one trained message by message, and bulk verdicts equal per-message ones, for both models, from memory and from per-message store reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBayesService, SNAPSHOT_ROWS_PER_READ } from './bayes-service.ts';
import { parseTestMail } from './test-mail.ts';
import type { ParsedMessage } from '../mime/model.ts';
import type { LearnOutcome, TokenClass, TokenDumpRow, WeightDumpRow } from '../storage/interfaces.ts';
import { createMemoryStore } from '../storage/memory/memory-store.ts';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import type { Store } from '../storage/store.ts';
import type { BayesModelName, BayesService } from './service-types.ts';

const NOW = Date.UTC(2025, 2, 4, 12);
const clock = { now: () => NOW };
/** Batched and sequential weights differ only by the order doubles were added in. */
const TOLERANCE = 1e-9;
/** An odd batch size, so batches end at arbitrary places in the stream. */
const BATCH = 37;
/** Rows that make a namespace "big": more than one message's worth of snapshot, so per-message reads are chosen first. */
const PADDING = 5 * SNAPSHOT_ROWS_PER_READ;

const dir = mkdtempSync(join(tmpdir(), 'winnow-bayes-batch-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

const LIMITS = { historySize: 10, maxTokens: 1_000_000, maxWeightBuckets: 4_194_304 };
const backends: Record<string, () => Store> = {
  memory: () => createMemoryStore(LIMITS),
  sqlite: () => openSqliteStore(join(dir, `s${files++}.sqlite`), LIMITS),
};

interface Step {
  message: ParsedMessage;
  cls: TokenClass;
  delta: 1 | -1;
}

/** 300 learns of 150 spam and 150 ham messages, interleaved, with a repeat, a relearn and an unlearn among them. */
async function stream(): Promise<Step[]> {
  const steps: Step[] = [];
  for (let i = 0; i < 150; i++) {
    steps.push({ message: await parseTestMail('spam', i), cls: 'spam', delta: 1 });
    steps.push({ message: await parseTestMail('ham', i), cls: 'ham', delta: 1 });
    if (i === 40) steps.push({ message: await parseTestMail('spam', 39), cls: 'spam', delta: 1 });
    if (i === 41) steps.push({ message: await parseTestMail('ham', 41), cls: 'spam', delta: 1 });
    if (i === 42) steps.push({ message: await parseTestMail('spam', 42), cls: 'spam', delta: -1 });
  }
  return steps;
}

/** Weights or counts that make the namespace big without touching any bucket or token the model uses. */
async function pad(store: Store, model: BayesModelName): Promise<void> {
  if (model === 'logistic') {
    await store.weights.load(
      Array.from({ length: PADDING }, (_, i): WeightDumpRow => ({ type: 'weight', bucket: 2 ** 23 + i, weight: 1, lastDay: 20_000 })),
    );
  } else {
    await store.tokens.load(
      Array.from({ length: PADDING }, (_, i): TokenDumpRow => ({ type: 'token', token: `padding-${i}`, spam: 1, ham: 1, lastSeenDay: 20_000 })),
    );
  }
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function learnOneByOne(svc: BayesService, steps: Step[]): Promise<string[]> {
  const out: string[] = [];
  for (const s of steps) out.push(await svc.learn(s.message, s.cls, { delta: s.delta }));
  return out;
}

async function learnInBatches(svc: BayesService, steps: Step[], expectedMessages: number): Promise<string[]> {
  const session = await svc.learnSession({ expectedMessages });
  const out: LearnOutcome[] = [];
  for (const s of steps) {
    assert.equal(await session.add(s.message, s.cls, { delta: s.delta }), 'queued');
    if (session.pending >= BATCH) out.push(...(await session.commit()));
  }
  out.push(...(await session.commit()));
  assert.equal(session.pending, 0);
  return out;
}

async function assertSameWeights(got: Store, want: Store): Promise<void> {
  const rows = async (s: Store) => collect(s.weights.dump());
  const [g, w] = [await rows(got), await rows(want)];
  const weights = (xs: WeightDumpRow[]) => new Map(xs.flatMap((r) => (r.type === 'weight' ? [[r.bucket, r.weight] as const] : [])));
  const [gw, ww] = [weights(g), weights(w)];
  assert.deepEqual([...gw.keys()].sort(), [...ww.keys()].sort(), 'same buckets');
  for (const [b, x] of ww) assert.ok(Math.abs((gw.get(b) ?? 0) - x) <= TOLERANCE, `bucket ${b}: ${gw.get(b)} vs ${x}`);
  const [gt, wt] = [g[0], w[0]];
  assert.ok(gt.type === 'totals' && wt.type === 'totals');
  assert.deepEqual([gt.nspam, gt.nham], [wt.nspam, wt.nham]);
  assert.ok(Math.abs(gt.bias - wt.bias) <= TOLERANCE, `bias ${gt.bias} vs ${wt.bias}`);
  assert.deepEqual(g.filter((r) => r.type === 'signature'), w.filter((r) => r.type === 'signature'));
}

for (const backend of Object.keys(backends)) {
  for (const model of ['logistic', 'robinson-fisher'] as const) {
    for (const inMemory of [true, false]) {
      test(`${backend}, ${model}, ${inMemory ? 'namespace in memory' : 'per-message reads'}: learning in batches gives the model and outcomes of learning one by one`, async () => {
        const steps = await stream();
        const seq = backends[backend]();
        const bat = backends[backend]();
        try {
          if (!inMemory) {
            await pad(seq, model);
            await pad(bat, model);
          }
          const want = await learnOneByOne(createBayesService(seq, { model }, clock), steps);
          assert.equal(want.filter((o) => o === 'already').length, 1);
          assert.equal(want.filter((o) => o === 'relearned').length, 1);
          assert.equal(want.filter((o) => o === 'unlearned').length, 1);
          const got = await learnInBatches(createBayesService(bat, { model }, clock), steps, inMemory ? steps.length : 1);
          assert.deepEqual(got, want);
          if (model === 'logistic') await assertSameWeights(bat, seq);
          else assert.deepEqual(await collect(bat.tokens.dump()), await collect(seq.tokens.dump()));
        } finally {
          await seq.close();
          await bat.close();
        }
      });
    }

    test(`${backend}, ${model}: bulk verdicts equal per-message verdicts, before and after the switch to a snapshot`, async () => {
      const store = backends[backend]();
      try {
        await pad(store, model);
        const svc = createBayesService(store, { model, minLearns: 5 }, clock);
        await learnOneByOne(svc, (await stream()).slice(0, 60));
        const bulk = svc.bulkClassifier();
        let size = (await store.weights.stats()).buckets;
        if (model === 'robinson-fisher') size = (await store.tokens.stats()).tokens;
        assert.ok(size > PADDING, 'more rows than the padding: the first messages are read one by one');
        let spam = 0;
        for (let i = 200; i < 230; i++) {
          for (const kind of ['spam', 'ham'] as const) {
            const m = await parseTestMail(kind, i);
            const one = await svc.classify(m);
            assert.deepEqual(await bulk.classify(m), one, `${kind} ${i}`);
            if (one.verdict === 'spam') spam++;
          }
        }
        assert.ok(spam >= 25, `the model separates (${spam} spam verdicts)`);
      } finally {
        await store.close();
      }
    });
  }
}

test('bulk classify follows a user to the site-wide statistics as classify does', async () => {
  const store = createMemoryStore(LIMITS);
  const svc = createBayesService(store, { perUser: true, minLearns: 5 }, clock);
  await learnOneByOne(svc, (await stream()).slice(0, 30));
  const bulk = svc.bulkClassifier();
  const m = await parseTestMail('spam', 300);
  const v = await bulk.classify(m, { user: 'dave@example.net' });
  assert.equal(v.active, true);
  assert.equal(v.user, undefined);
  assert.deepEqual(v, await svc.classify(m, { user: 'dave@example.net' }));
});

test('bulk classify reads the store per message at first, and not at all when told many messages will come', async () => {
  const store = createMemoryStore(LIMITS);
  await pad(store, 'logistic');
  const svc = createBayesService(store, { minLearns: 5 }, clock);
  await learnOneByOne(svc, (await stream()).slice(0, 30));
  let reads = 0;
  const read = store.weights.read.bind(store.weights);
  store.weights.read = (buckets, ns) => {
    if (buckets.length > 0) reads++;
    return read(buckets, ns);
  };
  const messages = await Promise.all(Array.from({ length: 10 }, (_, i) => parseTestMail('spam', 400 + i)));
  const lazy = svc.bulkClassifier();
  for (const m of messages) await lazy.classify(m);
  const sizeInReads = Math.ceil((await store.weights.stats()).buckets / SNAPSHOT_ROWS_PER_READ);
  assert.equal(reads, sizeInReads - 1, 'per-message reads until they would have paid for the snapshot');
  reads = 0;
  const eager = svc.bulkClassifier({ expectedMessages: sizeInReads });
  for (const m of messages) await eager.classify(m);
  assert.equal(reads, 0);
});
