// Contract tests for WeightStore: apply/relearn/unlearn semantics, epsilon deletion, namespaces, trimming, pruning, dump/load, atomicity.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WeightDumpRow, WeightStore, WeightUpdate } from '../interfaces.ts';
import { DAY_MS, T0, withStore, type StoreFactory } from './harness.ts';

const DAY = Math.floor(T0 / DAY_MS);
/** Weights are stored as doubles; compare sums with a tolerance rather than relying on bit-exact rounding. */
const TOLERANCE = 1e-12;

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function near(actual: readonly number[], expected: readonly number[], what = 'weights'): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]) <= TOLERANCE, `${what}[${i}]: got ${a}, expected ${expected[i]}`));
}

function upd(buckets: number[], deltas: number[], rest: Partial<WeightUpdate> = {}): WeightUpdate {
  return { buckets, deltas, biasDelta: 0, cls: 'spam', now: T0, ...rest };
}

async function totals(w: WeightStore, user?: string) {
  const st = await w.stats({ user });
  return { buckets: st.buckets, nspam: st.nspam, nham: st.nham, signatures: st.signatures };
}

export function weightContract(f: StoreFactory): void {
  test('weights: unknown buckets read as 0 in request order, with zero bias and totals', () =>
    withStore(f, {}, async (s) => {
      assert.deepEqual(await s.weights.read([7, 0, 2 ** 32 - 1, 7]), { weights: [0, 0, 0, 0], bias: 0, nspam: 0, nham: 0 });
      assert.deepEqual(await s.weights.read([]), { weights: [], bias: 0, nspam: 0, nham: 0 });
      assert.deepEqual(await totals(s.weights), { buckets: 0, nspam: 0, nham: 0, signatures: 0 });
    }));

  test('weights: apply adds each delta to its bucket, the bias delta to the bias, and counts the class', () =>
    withStore(f, {}, async (s) => {
      assert.equal(await s.weights.apply(upd([1, 2, 4_000_000_000], [0.5, -0.25, 1.5], { biasDelta: 0.125, sig: 'm1' })), 'learned');
      assert.equal(await s.weights.apply(upd([2, 3], [0.75, -2], { biasDelta: -0.5, cls: 'ham', sig: 'm2' })), 'learned');
      const r = await s.weights.read([1, 2, 3, 4_000_000_000, 99]);
      near(r.weights, [0.5, 0.5, -2, 1.5, 0]);
      near([r.bias], [-0.375], 'bias');
      assert.deepEqual({ nspam: r.nspam, nham: r.nham }, { nspam: 1, nham: 1 });
      assert.deepEqual(await totals(s.weights), { buckets: 4, nspam: 1, nham: 1, signatures: 2 });
      assert.equal(await s.weights.isLearned('m1'), 'spam');
      assert.equal(await s.weights.isLearned('m2'), 'ham');
      assert.equal(await s.weights.isLearned('m3'), undefined);
      assert.equal(await s.tokens.isLearned('m1'), undefined, 'weights and tokens keep separate signatures');
    }));

  test('weights: a bucket listed twice in one apply gets the sum of its deltas', () =>
    withStore(f, {}, async (s) => {
      await s.weights.apply(upd([5, 6, 5], [1, 0.5, 2]));
      near((await s.weights.read([5, 6])).weights, [3, 0.5]);
      assert.equal((await s.weights.stats()).buckets, 2);
    }));

  test('weights: the same signature and class again is `already` and changes nothing', () =>
    withStore(f, {}, async (s) => {
      assert.equal(await s.weights.apply(upd([1], [0.5], { biasDelta: 0.1, sig: 's' })), 'learned');
      assert.equal(await s.weights.apply(upd([1, 2], [0.5, 0.5], { biasDelta: 0.1, sig: 's', now: T0 + DAY_MS })), 'already');
      const r = await s.weights.read([1, 2]);
      near(r.weights, [0.5, 0]);
      near([r.bias], [0.1], 'bias');
      assert.deepEqual(await totals(s.weights), { buckets: 1, nspam: 1, nham: 0, signatures: 1 });
      const rows = await collect(s.weights.dump());
      assert.deepEqual(rows.find((x) => x.type === 'signature'), { type: 'signature', sig: 's', cls: 'spam', day: DAY });
    }));

  test('weights: relearning as the other class applies the deltas, moves the signature and the totals', () =>
    withStore(f, {}, async (s) => {
      await s.weights.apply(upd([1, 2], [0.5, 0.5], { biasDelta: 0.2, sig: 's' }));
      await s.weights.apply(upd([9], [1], { sig: 'other' }));
      // The caller's deltas already undo the spam learn and learn ham; the store only adds them.
      const out = await s.weights.apply(upd([1, 2], [-1, -1.5], { biasDelta: -0.4, cls: 'ham', sig: 's', now: T0 + DAY_MS }));
      assert.equal(out, 'relearned');
      const r = await s.weights.read([1, 2, 9]);
      near(r.weights, [-0.5, -1, 1]);
      near([r.bias], [-0.2], 'bias');
      assert.deepEqual(await totals(s.weights), { buckets: 3, nspam: 1, nham: 1, signatures: 2 });
      assert.equal(await s.weights.isLearned('s'), 'ham');
      const sig = (await collect(s.weights.dump())).find((x) => x.type === 'signature' && x.sig === 's');
      assert.deepEqual(sig, { type: 'signature', sig: 's', cls: 'ham', day: DAY + 1 });
    }));

  test('weights: unlearn needs the class the signature was learned as; otherwise `not-learned` and nothing changes', () =>
    withStore(f, {}, async (s) => {
      await s.weights.apply(upd([1, 2], [0.5, 0.25], { biasDelta: 0.5, sig: 's' }));
      const undo = upd([1, 2], [-0.5, -0.25], { biasDelta: -0.5, delta: -1, sig: 's' });
      assert.equal(await s.weights.apply({ ...undo, cls: 'ham' }), 'not-learned');
      assert.equal(await s.weights.apply({ ...undo, sig: 'never' }), 'not-learned');
      near((await s.weights.read([1, 2])).weights, [0.5, 0.25]);
      assert.deepEqual(await totals(s.weights), { buckets: 2, nspam: 1, nham: 0, signatures: 1 });
      assert.equal(await s.weights.apply(undo), 'unlearned');
      assert.equal(await s.weights.isLearned('s'), undefined);
      const r = await s.weights.read([1, 2]);
      assert.deepEqual(r.weights, [0, 0], 'weights back at zero are deleted');
      near([r.bias], [0], 'bias');
      assert.deepEqual(await totals(s.weights), { buckets: 0, nspam: 0, nham: 0, signatures: 0 });
    }));

  test('weights: an unlearn without a signature always applies; totals never go below zero', () =>
    withStore(f, {}, async (s) => {
      await s.weights.apply(upd([1], [1], { cls: 'ham' }));
      assert.equal(await s.weights.apply(upd([1], [-0.25], { delta: -1 })), 'unlearned');
      assert.equal(await s.weights.apply(upd([1], [-0.25], { delta: -1, cls: 'ham' })), 'unlearned');
      assert.equal(await s.weights.apply(upd([1], [-0.25], { delta: -1, cls: 'ham' })), 'unlearned');
      near((await s.weights.read([1])).weights, [0.25]);
      assert.deepEqual(await totals(s.weights), { buckets: 1, nspam: 0, nham: 0, signatures: 0 });
    }));

  test('weights: a weight that ends within epsilon of zero is deleted, a small one is kept', () =>
    withStore(f, {}, async (s) => {
      await s.weights.apply(upd([1, 2, 3, 4], [0.1, 0.2, 1e-6, 1e-12]));
      assert.equal((await s.weights.stats()).buckets, 3, 'a 1e-12 weight is never stored');
      // 0.1 + 0.2 - 0.3 is 5.6e-17 in doubles: zero up to rounding.
      await s.weights.apply(upd([1, 2], [0.2, -0.3]));
      await s.weights.apply(upd([1], [-0.3]));
      const r = await s.weights.read([1, 2, 3, 4]);
      assert.equal(r.weights[0], 0);
      near(r.weights, [0, -0.1, 1e-6, 0]);
      assert.equal((await s.weights.stats()).buckets, 2);
      assert.deepEqual(
        (await collect(s.weights.dump())).filter((x) => x.type === 'weight').map((x) => x.type === 'weight' && x.bucket).sort(),
        [2, 3],
      );
    }));

  test('weights: namespaces are isolated and listed by users()', () =>
    withStore(f, {}, async (s) => {
      assert.deepEqual(await s.weights.users(), []);
      await s.weights.apply(upd([1], [1], { sig: 'm', biasDelta: 1 }));
      await s.weights.apply(upd([1], [-2], { sig: 'm', cls: 'ham', user: 'alice@example.org' }));
      const site = await s.weights.read([1]);
      const alice = await s.weights.read([1], { user: 'alice@example.org' });
      near(site.weights, [1]);
      near(alice.weights, [-2]);
      assert.deepEqual([site.bias, site.nspam, site.nham], [1, 1, 0]);
      assert.deepEqual([alice.bias, alice.nspam, alice.nham], [0, 0, 1]);
      assert.equal(await s.weights.isLearned('m', { user: 'alice@example.org' }), 'ham');
      assert.equal(await s.weights.isLearned('m', { user: 'bob' }), undefined);
      assert.deepEqual(await s.weights.users(), ['', 'alice@example.org']);
      assert.deepEqual(await s.tokens.users(), [], 'token namespaces are separate');
    }));

  test('weights: an apply that passes the cap trims the oldest days, smallest |weight| first, to 95%', () =>
    withStore(f, { maxWeightBuckets: 10 }, async (s) => {
      await s.weights.apply(upd([10, 11, 12, 13], [0.5, -0.05, 0.2, -3], { now: T0 - 2 * DAY_MS }));
      await s.weights.apply(upd([20, 21, 22, 23], [0.01, 0.02, 0.03, 0.04], { now: T0 - DAY_MS }));
      await s.weights.apply(upd([30, 31], [1, 1]));
      assert.equal((await s.weights.stats()).buckets, 10, 'at the cap is allowed');
      await s.weights.apply(upd([32], [1]));
      const st = await s.weights.stats();
      assert.deepEqual([st.buckets, st.maxBuckets], [9, 10]);
      const r = await s.weights.read([10, 11, 12, 13, 20, 32]);
      near(r.weights, [0.5, 0, 0, -3, 0.01, 1]);
    }));

  test('weights: trimming more than one batch continues over the following applies, then stops at 95%', () =>
    withStore(f, { maxWeightBuckets: 30_000 }, async (s) => {
      const n = 30_000;
      await s.weights.load(
        Array.from({ length: n }, (_, i): WeightDumpRow => ({ type: 'weight', bucket: i, weight: 1 + i / n, lastDay: DAY - 1 })),
      );
      assert.equal((await s.weights.stats()).buckets, n);
      await s.weights.apply(upd([1_000_000], [1]));
      assert.equal((await s.weights.stats()).buckets, n + 1 - 1000, 'one batch of 1000 per apply');
      near((await s.weights.read([999, 1000])).weights, [0, 1 + 1000 / n]);
      await s.weights.apply(upd([1_000_001], [1]));
      assert.equal((await s.weights.stats()).buckets, 28_500, 'the rest, down to 95% of the cap');
      await s.weights.apply(upd([1_000_002], [1]));
      assert.equal((await s.weights.stats()).buckets, 28_501, 'under the cap again: no trimming');
      near((await s.weights.read([1501, 1502, 1_000_000, 1_000_002])).weights, [0, 1 + 1502 / n, 1, 1]);
      // Prune over many batches: loaded buckets 1502..20000 and the three applied ones (weight 1) are small enough.
      const r = await s.weights.prune({ now: T0 + 40 * DAY_MS, staleDays: 30, minAbsWeight: 1 + 20_000 / n });
      assert.deepEqual(r, { tokensRemoved: 20_000 - 1502 + 1 + 3, signaturesRemoved: 0 });
      assert.equal((await s.weights.stats()).buckets, n - 20_001);
      near((await s.weights.read([20_000, 20_001, 1_000_000])).weights, [0, 1 + 20_001 / n, 0]);
    }));

  test('weights: load over the cap trims to 95% of it', () =>
    withStore(f, { maxWeightBuckets: 10 }, async (s) => {
      await s.weights.load(
        Array.from({ length: 20 }, (_, i): WeightDumpRow => ({ type: 'weight', bucket: i, weight: 20 - i, lastDay: DAY + (i % 2) })),
      );
      assert.equal((await s.weights.stats()).buckets, 9);
      // Day DAY holds the even buckets: all ten go first; then bucket 19, the smallest weight of the next day.
      const r = await s.weights.read(Array.from({ length: 20 }, (_, i) => i));
      assert.deepEqual(
        r.weights.map((w, i) => (w === 0 ? -1 : i)).filter((i) => i >= 0),
        [1, 3, 5, 7, 9, 11, 13, 15, 17],
      );
    }));

  test('weights: prune drops stale small weights and old signatures, keeps the rest', () =>
    withStore(f, {}, async (s) => {
      const old = T0 - 40 * DAY_MS;
      await s.weights.apply(upd([1, 2, 3], [0.005, -0.01, 0.5], { sig: 'old', now: old }));
      await s.weights.apply(upd([4], [-0.002], { now: T0 - 45 * DAY_MS }));
      await s.weights.apply(upd([5], [0.001], { sig: 'new', cls: 'ham', now: T0 - DAY_MS }));
      const r = await s.weights.prune({ now: T0, staleDays: 30, minAbsWeight: 0.01, signatureMaxAgeDays: 35 });
      assert.deepEqual(r, { tokensRemoved: 3, signaturesRemoved: 1 });
      near((await s.weights.read([1, 2, 3, 4, 5])).weights, [0, 0, 0.5, 0, 0.001]);
      assert.equal(await s.weights.isLearned('old'), undefined);
      assert.equal(await s.weights.isLearned('new'), 'ham');
      assert.deepEqual(await totals(s.weights), { buckets: 2, nspam: 2, nham: 1, signatures: 1 });
      assert.deepEqual(await s.weights.prune({ now: T0 }), { tokensRemoved: 0, signaturesRemoved: 0 });
    }));

  test('weights: dump yields totals, weights, signatures; load into an empty store reproduces them', () =>
    withStore(f, {}, async (s) => {
      await s.weights.apply(upd([3, 1], [0.1, -0.7], { biasDelta: 0.3, sig: 's1' }));
      await s.weights.apply(upd([1, 2], [0.2, 1 / 3], { biasDelta: -0.1, cls: 'ham', sig: 's2', now: T0 + DAY_MS }));
      await s.weights.apply(upd([8], [1], { user: 'bob' }));
      const rows = await collect(s.weights.dump());
      const kinds = rows.map((r) => r.type);
      assert.deepEqual(kinds, ['totals', 'weight', 'weight', 'weight', 'signature', 'signature']);
      const t = rows[0];
      assert.ok(t.type === 'totals');
      assert.deepEqual([t.nspam, t.nham], [1, 1]);
      near([t.bias], [0.2], 'bias');
      const weights = rows.filter((r) => r.type === 'weight').sort((a, b) => a.bucket - b.bucket);
      assert.deepEqual(weights.map((w) => [w.bucket, w.lastDay]), [[1, DAY + 1], [2, DAY + 1], [3, DAY]]);
      near(weights.map((w) => w.weight), [-0.5, 1 / 3, 0.1]);
      const sorted = (xs: WeightDumpRow[]) => [...xs].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
      assert.deepEqual(
        sorted(rows.filter((r) => r.type === 'signature')),
        sorted([
          { type: 'signature', sig: 's1', cls: 'spam', day: DAY },
          { type: 'signature', sig: 's2', cls: 'ham', day: DAY + 1 },
        ]),
      );
      await withStore(f, {}, async (t2) => {
        async function* gen() {
          yield* rows;
        }
        assert.equal(await t2.weights.load(gen(), { user: 'carol' }), rows.length);
        assert.deepEqual(sorted(await collect(t2.weights.dump({ user: 'carol' }))), sorted(rows), 'exact round trip');
        assert.equal(await t2.weights.isLearned('s2', { user: 'carol' }), 'ham');
        assert.deepEqual(await t2.weights.users(), ['carol']);
        assert.deepEqual(await totals(t2.weights, 'carol'), { buckets: 3, nspam: 1, nham: 1, signatures: 2 });
      });
    }));

  test('weights: 40 concurrent applies to one bucket are all counted', () =>
    withStore(f, {}, async (s) => {
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          s.weights.apply(upd([7, 100 + i], [0.25, 1], { biasDelta: 0.5, cls: i % 2 ? 'spam' : 'ham', sig: `m${i}` })),
        ),
      );
      const r = await s.weights.read([7, 100, 139]);
      assert.deepEqual(r, { weights: [10, 1, 1], bias: 20, nspam: 20, nham: 20 });
      assert.deepEqual(await totals(s.weights), { buckets: 41, nspam: 20, nham: 20, signatures: 40 });
    }));

  test('weights: applyBatch gives the outcomes and weights of the same applies one by one', async () => {
    const later = T0 + DAY_MS;
    const before = [upd([1, 2], [0.5, -0.25], { biasDelta: 0.1, sig: 'pre' }), upd([3], [1], { cls: 'ham', sig: 'pre-ham' })];
    const batch = [
      upd([1, 4, 4], [0.125, 1, 0.5], { biasDelta: 0.2, sig: 'm1', now: later }),
      upd([1, 4], [9, 9], { biasDelta: 9, sig: 'm1', now: later }),
      upd([2, 5], [-0.5, 0.75], { biasDelta: -0.1, cls: 'ham', sig: 'm2', now: later }),
      upd([2, 5], [1, -0.75], { biasDelta: 0.3, cls: 'spam', sig: 'm2', now: later }),
      upd([1, 2], [0.5, -0.25], { biasDelta: 0.1, sig: 'pre', now: later }),
      upd([1, 2], [-1, 0.5], { biasDelta: -0.2, cls: 'ham', sig: 'pre', now: later }),
      upd([3], [-1], { cls: 'spam', sig: 'pre-ham', delta: -1, now: later }),
      upd([3], [-1], { cls: 'ham', sig: 'pre-ham', delta: -1, now: later }),
      upd([6], [0.25], { delta: -1, now: later }),
      upd([6, 7], [0.5, 2], { sig: 'm3', user: 'alice', now: later }),
    ];
    await withStore(f, {}, async (seq) =>
      withStore(f, {}, async (bat) => {
        for (const u of before) {
          await seq.weights.apply(u);
          await bat.weights.apply(u);
        }
        const expected: string[] = [];
        for (const u of batch) expected.push(await seq.weights.apply(u));
        assert.deepEqual(expected, [
          'learned', 'already', 'learned', 'relearned', 'already', 'relearned', 'not-learned', 'unlearned', 'unlearned', 'learned',
        ]);
        assert.deepEqual(await bat.weights.applyBatch(batch), expected);
        for (const user of [undefined, 'alice']) {
          const want = await collect(seq.weights.dump({ user }));
          const got = await collect(bat.weights.dump({ user }));
          const weights = (rows: WeightDumpRow[]) => rows.flatMap((r) => (r.type === 'weight' ? [r] : [])).sort((a, b) => a.bucket - b.bucket);
          assert.deepEqual(weights(got).map((r) => [r.bucket, r.lastDay]), weights(want).map((r) => [r.bucket, r.lastDay]));
          near(weights(got).map((r) => r.weight), weights(want).map((r) => r.weight));
          const [gt, wt] = [got[0], want[0]];
          assert.ok(gt.type === 'totals' && wt.type === 'totals');
          assert.deepEqual([gt.nspam, gt.nham], [wt.nspam, wt.nham]);
          near([gt.bias], [wt.bias], 'bias');
          assert.deepEqual(got.filter((r) => r.type === 'signature'), want.filter((r) => r.type === 'signature'));
        }
        assert.deepEqual(await bat.weights.users(), ['', 'alice']);
        assert.deepEqual(await bat.weights.applyBatch([]), []);
      }),
    );
  });

  test('weights: scan yields every stored weight of the namespace exactly, in pages', () =>
    withStore(f, {}, async (s) => {
      assert.deepEqual(await collect(s.weights.scan()), []);
      const n = 20_000;
      const buckets = Array.from({ length: n }, (_, i) => i * 7919 + 1);
      await s.weights.apply(upd(buckets, buckets.map((b) => (b % 2 ? 1 : -1) / (b + 3)), { biasDelta: 0.5 }));
      await s.weights.apply(upd([2 ** 32 - 1], [1 / 3]));
      await s.weights.apply(upd([5], [2], { user: 'bob' }));
      const pages = await collect(s.weights.scan());
      assert.ok(pages.length >= 2, 'more than one page');
      const seen = new Map<number, number>();
      for (const p of pages) p.buckets.forEach((b, i) => seen.set(b, p.weights[i]));
      const want = new Map<number, number>();
      for (const r of await collect(s.weights.dump())) if (r.type === 'weight') want.set(r.bucket, r.weight);
      assert.equal(seen.size, n + 1);
      assert.deepEqual(seen, want, 'bit-exact weights');
      assert.equal(seen.get(2 ** 32 - 1), 1 / 3);
    }));

  test('weights: an applyBatch with one bad update writes nothing', () =>
    withStore(f, {}, async (s) => {
      await assert.rejects(
        s.weights.applyBatch([upd([1], [0.5], { sig: 'ok' }), upd([2], [Number.NaN], { sig: 'bad' })]),
        { code: 'ERR_INVALID_ARGUMENT' },
      );
      assert.deepEqual(await totals(s.weights), { buckets: 0, nspam: 0, nham: 0, signatures: 0 });
      assert.equal(await s.weights.isLearned('ok'), undefined);
    }));

  test('weights: bad arguments are ERR_INVALID_ARGUMENT and write nothing', () =>
    withStore(f, {}, async (s) => {
      const bad: [string, WeightUpdate][] = [
        ['length mismatch', upd([1, 2], [0.5])],
        ['fractional bucket', upd([1, 2.5], [0.5, 0.5])],
        ['negative bucket', upd([-1], [0.5])],
        ['bucket 2^32', upd([2 ** 32], [0.5])],
        ['NaN delta', upd([1, 2], [0.5, Number.NaN])],
        ['infinite delta', upd([1], [Number.POSITIVE_INFINITY])],
        ['NaN bias delta', upd([1], [0.5], { biasDelta: Number.NaN })],
        ['unknown class', upd([1], [0.5], { cls: 'maybe' as 'spam' })],
        ['delta 2', upd([1], [0.5], { delta: 2 as 1 })],
      ];
      for (const [name, u] of bad) {
        await assert.rejects(s.weights.apply({ ...u, sig: 'x' }), { code: 'ERR_INVALID_ARGUMENT' }, name);
      }
      await assert.rejects(s.weights.read([1, 0.5]), { code: 'ERR_INVALID_ARGUMENT' });
      assert.deepEqual(await totals(s.weights), { buckets: 0, nspam: 0, nham: 0, signatures: 0 });
      assert.deepEqual(await s.weights.read([1, 2]), { weights: [0, 0], bias: 0, nspam: 0, nham: 0 });
      assert.equal(await s.weights.isLearned('x'), undefined);
      assert.deepEqual(await s.weights.users(), []);
    }));
}
