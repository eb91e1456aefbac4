// Contract tests for TokenStore: learn/relearn/unlearn semantics, namespaces, pruning, caps, dump/load.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LearnRequest, TokenDumpRow } from '../interfaces.ts';
import { DAY_MS, T0, withStore, type StoreFactory } from './harness.ts';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

export function tokenContract(f: StoreFactory): void {
  test('tokens: unknown tokens count zero; results follow the request order', () =>
    withStore(f, {}, async (s) => {
      const r = await s.tokens.get(['a', 'b', 'a']);
      assert.deepEqual(r, { nspam: 0, nham: 0, counts: [{ spam: 0, ham: 0 }, { spam: 0, ham: 0 }, { spam: 0, ham: 0 }] });
      assert.deepEqual(await s.tokens.get([]), { nspam: 0, nham: 0, counts: [] });
    }));

  test('tokens: learn counts each token once per message and bumps the class total', () =>
    withStore(f, {}, async (s) => {
      assert.equal(await s.tokens.learn({ tokens: ['viagra', 'cheap', 'viagra'], cls: 'spam', sig: 'm1', now: T0 }), 'learned');
      assert.equal(await s.tokens.learn({ tokens: ['cheap', 'meeting'], cls: 'ham', sig: 'm2', now: T0 }), 'learned');
      const r = await s.tokens.get(['viagra', 'cheap', 'meeting', 'none']);
      assert.deepEqual(r, {
        nspam: 1,
        nham: 1,
        counts: [{ spam: 1, ham: 0 }, { spam: 1, ham: 1 }, { spam: 0, ham: 1 }, { spam: 0, ham: 0 }],
      });
      assert.equal(await s.tokens.isLearned('m1'), 'spam');
      assert.equal(await s.tokens.isLearned('m2'), 'ham');
      assert.equal(await s.tokens.isLearned('m3'), undefined);
    }));

  test('tokens: a signature is never learned twice; relearning moves it to the other class', () =>
    withStore(f, {}, async (s) => {
      const msg = { tokens: ['x', 'y'], sig: 'sig-1', now: T0 };
      assert.equal(await s.tokens.learn({ ...msg, cls: 'spam' }), 'learned');
      assert.equal(await s.tokens.learn({ ...msg, cls: 'spam' }), 'already');
      assert.deepEqual(await s.tokens.get(['x']), { nspam: 1, nham: 0, counts: [{ spam: 1, ham: 0 }] });
      assert.equal(await s.tokens.learn({ ...msg, cls: 'ham' }), 'relearned');
      assert.deepEqual(await s.tokens.get(['x', 'y']), {
        nspam: 0,
        nham: 1,
        counts: [{ spam: 0, ham: 1 }, { spam: 0, ham: 1 }],
      });
      assert.equal(await s.tokens.isLearned('sig-1'), 'ham');
    }));

  test('tokens: unlearn by signature removes counts and the signature; a wrong-class unlearn is a no-op', () =>
    withStore(f, {}, async (s) => {
      await s.tokens.learn({ tokens: ['x', 'y'], cls: 'spam', sig: 's', now: T0 });
      assert.equal(await s.tokens.learn({ tokens: ['x', 'y'], cls: 'ham', sig: 's', delta: -1 }), 'not-learned');
      assert.equal(await s.tokens.learn({ tokens: ['x', 'y'], cls: 'spam', sig: 'other', delta: -1 }), 'not-learned');
      assert.equal((await s.tokens.stats()).nspam, 1);
      assert.equal(await s.tokens.learn({ tokens: ['x', 'y'], cls: 'spam', sig: 's', delta: -1 }), 'unlearned');
      assert.equal(await s.tokens.isLearned('s'), undefined);
      const st = await s.tokens.stats();
      assert.deepEqual({ tokens: st.tokens, nspam: st.nspam, nham: st.nham, signatures: st.signatures }, {
        tokens: 0,
        nspam: 0,
        nham: 0,
        signatures: 0,
      });
    }));

  test('tokens: without a signature every learn counts; counts and totals never go below zero', () =>
    withStore(f, {}, async (s) => {
      await s.tokens.learn({ tokens: ['t'], cls: 'ham', now: T0 });
      await s.tokens.learn({ tokens: ['t'], cls: 'ham', now: T0 });
      assert.deepEqual(await s.tokens.get(['t']), { nspam: 0, nham: 2, counts: [{ spam: 0, ham: 2 }] });
      assert.equal(await s.tokens.learn({ tokens: ['t', 'u'], cls: 'spam', delta: -1 }), 'unlearned');
      assert.deepEqual(await s.tokens.get(['t', 'u']), { nspam: 0, nham: 2, counts: [{ spam: 0, ham: 2 }, { spam: 0, ham: 0 }] });
      assert.equal((await s.tokens.stats()).tokens, 1);
    }));

  test('tokens: namespaces are isolated and listed by users()', () =>
    withStore(f, {}, async (s) => {
      assert.deepEqual(await s.tokens.users(), []);
      await s.tokens.learn({ tokens: ['a'], cls: 'spam', sig: 'm', now: T0 });
      await s.tokens.learn({ tokens: ['a'], cls: 'ham', sig: 'm', user: 'alice@example.org', now: T0 });
      assert.deepEqual(await s.tokens.get(['a']), { nspam: 1, nham: 0, counts: [{ spam: 1, ham: 0 }] });
      assert.deepEqual(await s.tokens.get(['a'], { user: 'alice@example.org' }), {
        nspam: 0,
        nham: 1,
        counts: [{ spam: 0, ham: 1 }],
      });
      assert.equal(await s.tokens.isLearned('m', { user: 'alice@example.org' }), 'ham');
      assert.deepEqual(await s.tokens.users(), ['', 'alice@example.org']);
    }));

  test('tokens: prune drops rare stale tokens and old signatures, keeps the rest', () =>
    withStore(f, {}, async (s) => {
      const old = T0 - 40 * DAY_MS;
      await s.tokens.learn({ tokens: ['rare-old', 'common-old'], cls: 'spam', sig: 'old', now: old });
      await s.tokens.learn({ tokens: ['common-old'], cls: 'spam', now: old });
      await s.tokens.learn({ tokens: ['rare-new'], cls: 'ham', sig: 'new', now: T0 - DAY_MS });
      const r = await s.tokens.prune({ now: T0, staleDays: 30, rareMax: 1, signatureMaxAgeDays: 35 });
      assert.deepEqual(r, { tokensRemoved: 1, signaturesRemoved: 1 });
      const g = await s.tokens.get(['rare-old', 'common-old', 'rare-new']);
      assert.deepEqual(g.counts, [{ spam: 0, ham: 0 }, { spam: 2, ham: 0 }, { spam: 0, ham: 1 }]);
      assert.equal(await s.tokens.isLearned('old'), undefined);
      assert.equal(await s.tokens.isLearned('new'), 'ham');
      assert.deepEqual({ nspam: g.nspam, nham: g.nham }, { nspam: 2, nham: 1 });
    }));

  test('tokens: a learn that passes maxTokens trims the oldest tokens to 95% of the cap', () =>
    withStore(f, { maxTokens: 10 }, async (s) => {
      await s.tokens.learn({ tokens: ['d1-b', 'd1-a', 'd1-c', 'd1-d'], cls: 'spam', now: T0 - 2 * DAY_MS });
      await s.tokens.learn({ tokens: ['d2-a', 'd2-b', 'd2-c', 'd2-d'], cls: 'spam', now: T0 - DAY_MS });
      assert.equal((await s.tokens.stats()).tokens, 8);
      await s.tokens.learn({ tokens: ['d3-a', 'd3-b', 'd3-c', 'd3-d'], cls: 'ham', now: T0 });
      const st = await s.tokens.stats();
      assert.equal(st.tokens, 9);
      assert.equal(st.maxTokens, 10);
      const g = await s.tokens.get(['d1-a', 'd1-b', 'd1-c', 'd1-d', 'd2-a', 'd3-d']);
      // Oldest day goes first, ties broken by token order: d1-a, d1-b, d1-c.
      assert.deepEqual(
        g.counts.map((c) => c.spam + c.ham),
        [0, 0, 0, 1, 1, 1],
      );
    }));

  test('tokens: load and learn keep a namespace within maxTokens', () =>
    withStore(f, { maxTokens: 4 }, async (s) => {
      const letters = ['a', 'b', 'c', 'd', 'e', 'f'];
      await s.tokens.load(letters.map((token, i) => ({ type: 'token', token, spam: 5, ham: 0, lastSeenDay: 100 + i })));
      assert.equal((await s.tokens.stats()).tokens, 3, 'load over the cap trims to floor(4 * 0.95)');
      await s.tokens.learn({ tokens: ['g'], cls: 'spam', now: 106 * DAY_MS });
      assert.equal((await s.tokens.stats()).tokens, 4, 'at the cap is allowed');
      await s.tokens.learn({ tokens: ['h'], cls: 'spam', now: 107 * DAY_MS });
      const g = await s.tokens.get([...letters, 'g', 'h']);
      assert.deepEqual(g.counts.map((c) => c.spam), [0, 0, 0, 0, 0, 5, 1, 1]);
    }));

  test('tokens: dump then load into an empty store reproduces the namespace', () =>
    withStore(f, {}, async (s) => {
      await s.tokens.learn({ tokens: ['a', 'b'], cls: 'spam', sig: 's1', now: T0 });
      await s.tokens.learn({ tokens: ['b', 'c'], cls: 'ham', sig: 's2', now: T0 + DAY_MS });
      await s.tokens.learn({ tokens: ['z'], cls: 'ham', user: 'bob', now: T0 });
      const rows = await collect(s.tokens.dump());
      assert.deepEqual(rows[0], { type: 'totals', nspam: 1, nham: 1 });
      const day = Math.floor(T0 / DAY_MS);
      const sorted = (xs: TokenDumpRow[]) => [...xs].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
      assert.deepEqual(
        sorted(rows.filter((r) => r.type === 'token')),
        sorted([
          { type: 'token', token: 'a', spam: 1, ham: 0, lastSeenDay: day },
          { type: 'token', token: 'b', spam: 1, ham: 1, lastSeenDay: day + 1 },
          { type: 'token', token: 'c', spam: 0, ham: 1, lastSeenDay: day + 1 },
        ]),
      );
      assert.deepEqual(
        sorted(rows.filter((r) => r.type === 'signature')),
        sorted([
          { type: 'signature', sig: 's1', cls: 'spam', day },
          { type: 'signature', sig: 's2', cls: 'ham', day: day + 1 },
        ]),
      );
      await withStore(f, {}, async (t) => {
        async function* gen() {
          yield* rows;
        }
        assert.equal(await t.tokens.load(gen(), { user: 'carol' }), rows.length);
        assert.deepEqual(sorted(await collect(t.tokens.dump({ user: 'carol' }))), sorted(rows));
        assert.equal(await t.tokens.isLearned('s2', { user: 'carol' }), 'ham');
        assert.deepEqual(await t.tokens.users(), ['carol']);
      });
    }));

  test('tokens: concurrent learns of distinct messages all count', () =>
    withStore(f, {}, async (s) => {
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          s.tokens.learn({ tokens: ['shared', `own-${i}`], cls: i % 2 ? 'spam' : 'ham', sig: `m${i}`, now: T0 }),
        ),
      );
      const g = await s.tokens.get(['shared']);
      assert.deepEqual(g, { nspam: 20, nham: 20, counts: [{ spam: 20, ham: 20 }] });
      const st = await s.tokens.stats();
      assert.equal(st.tokens, 41);
      assert.equal(st.signatures, 40);
    }));

  test('tokens: learnBatch gives the outcomes and counts of the same learns one by one', async () => {
    const day = T0 + DAY_MS;
    const before: LearnRequest[] = [
      { tokens: ['a', 'b', 'old'], cls: 'spam', sig: 'pre-spam', now: T0 },
      { tokens: ['b', 'c'], cls: 'ham', sig: 'pre-ham', now: T0 },
    ];
    const batch: LearnRequest[] = [
      { tokens: ['a', 'x', 'a'], cls: 'spam', sig: 'm1', now: day },
      { tokens: ['a', 'x'], cls: 'spam', sig: 'm1', now: day },
      { tokens: ['b', 'y'], cls: 'ham', sig: 'm2', now: day },
      { tokens: ['b', 'y'], cls: 'spam', sig: 'm2', now: day },
      { tokens: ['a', 'b', 'old'], cls: 'spam', sig: 'pre-spam', now: day },
      { tokens: ['a', 'b', 'old'], cls: 'ham', sig: 'pre-spam', now: day },
      { tokens: ['b', 'c'], cls: 'spam', sig: 'pre-ham', delta: -1, now: day },
      { tokens: ['b', 'c'], cls: 'ham', sig: 'pre-ham', delta: -1, now: day },
      { tokens: ['z'], cls: 'ham', sig: 'm3', now: day },
      { tokens: ['z'], cls: 'ham', sig: 'm3', delta: -1, now: day },
      { tokens: ['never', 'x'], cls: 'spam', delta: -1, now: day },
      { tokens: ['never', 'x'], cls: 'spam', now: day },
      { tokens: ['x', 'w'], cls: 'ham', now: day },
      { tokens: ['a', 'u'], cls: 'ham', sig: 'm1', user: 'alice', now: day },
    ];
    await withStore(f, {}, async (seq) =>
      withStore(f, {}, async (bat) => {
        for (const r of before) {
          await seq.tokens.learn(r);
          await bat.tokens.learn(r);
        }
        const expected: string[] = [];
        for (const r of batch) expected.push(await seq.tokens.learn(r));
        assert.deepEqual(expected, [
          'learned', 'already', 'learned', 'relearned', 'already', 'relearned', 'not-learned', 'unlearned',
          'learned', 'unlearned', 'unlearned', 'learned', 'learned', 'learned',
        ]);
        assert.deepEqual(await bat.tokens.learnBatch(batch), expected);
        for (const user of [undefined, 'alice']) {
          assert.deepEqual(await collect(bat.tokens.dump({ user })), await collect(seq.tokens.dump({ user })), `namespace ${user ?? 'site'}`);
          assert.deepEqual(await bat.tokens.stats({ user }), await seq.tokens.stats({ user }));
        }
        assert.deepEqual(await bat.tokens.users(), ['', 'alice']);
        assert.deepEqual(await bat.tokens.learnBatch([]), []);
      }),
    );
  });

  test('tokens: scan yields every token of the namespace with its counts, in pages', () =>
    withStore(f, {}, async (s) => {
      assert.deepEqual(await collect(s.tokens.scan()), []);
      const many = Array.from({ length: 20_000 }, (_, i) => `t${i}`);
      await s.tokens.learn({ tokens: many, cls: 'spam', now: T0 });
      await s.tokens.learn({ tokens: ['t1', 'ünï', 'x y'], cls: 'ham', now: T0 });
      await s.tokens.learn({ tokens: ['other'], cls: 'ham', user: 'bob', now: T0 });
      const seen = new Map<string, [number, number]>();
      const pages = await collect(s.tokens.scan());
      assert.ok(pages.length >= 2, 'more than one page');
      for (const p of pages) {
        assert.equal(p.spam.length, p.tokens.length);
        assert.equal(p.ham.length, p.tokens.length);
        p.tokens.forEach((t, i) => seen.set(t, [p.spam[i], p.ham[i]]));
      }
      const want = new Map<string, [number, number]>();
      for (const r of await collect(s.tokens.dump())) if (r.type === 'token') want.set(r.token, [r.spam, r.ham]);
      assert.equal(seen.size, 20_002);
      assert.deepEqual(seen, want);
      assert.deepEqual(seen.get('t1'), [1, 1]);
      assert.deepEqual(seen.get('ünï'), [0, 1]);
    }));

  test('tokens: a learnBatch with one bad request writes nothing', () =>
    withStore(f, {}, async (s) => {
      const reqs: LearnRequest[] = [
        { tokens: ['a', 'b'], cls: 'spam', sig: 'm1', now: T0 },
        { tokens: ['c', ''], cls: 'ham', sig: 'm2', now: T0 },
      ];
      await assert.rejects(s.tokens.learnBatch(reqs), { code: 'ERR_INVALID_ARGUMENT' });
      const st = await s.tokens.stats();
      assert.deepEqual([st.tokens, st.nspam, st.nham, st.signatures], [0, 0, 0, 0]);
      assert.equal(await s.tokens.isLearned('m1'), undefined);
    }));

  test('tokens: empty and non-string tokens are rejected with ERR_INVALID_ARGUMENT', () =>
    withStore(f, {}, async (s) => {
      await assert.rejects(s.tokens.learn({ tokens: ['ok', ''], cls: 'spam' }), { code: 'ERR_INVALID_ARGUMENT' });
      assert.equal((await s.tokens.stats()).nspam, 0);
    }));
}
