// Tests for the explanation: symbol details, Bayes evidence from options, and the "what would have changed the action" lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResolvedSymbol } from '../../core/symbol-table.ts';
import type { Thresholds } from '../../core/types.ts';
import { bayesFromSymbols, explain, whatIf, type VerdictInput } from './explain.ts';

const T: Thresholds = { reject: 15, 'soft reject': null, 'rewrite subject': null, 'add header': 6, greylist: 4 };
const decls: Record<string, ResolvedSymbol> = {
  BIG: { name: 'BIG', weight: 7, description: 'big', group: 'g1', owner: 'c' },
  MID: { name: 'MID', weight: 3, description: 'mid', group: 'g1', owner: 'c' },
  NEG: { name: 'NEG', weight: -3, description: 'neg', group: 'g2', owner: 'c' },
};
const lookup = (n: string) => decls[n];

function input(score: number, symbols: [string, number][], action: VerdictInput['action'] = 'no action'): VerdictInput {
  return { score, action, thresholds: T, symbols: symbols.map(([name, s]) => ({ name, score: s, options: [] })) };
}

test('symbols carry weight, group and description, highest score first; unknown ones keep only what the row had', () => {
  const e = explain(input(7, [['NEG', -3], ['BIG', 7], ['GONE', 3]], 'add header'), lookup);
  assert.deepEqual(e.symbols.map((s) => s.name), ['BIG', 'GONE', 'NEG']);
  assert.deepEqual(e.symbols[0], { name: 'BIG', score: 7, options: [], weight: 7, group: 'g1', description: 'big' });
  assert.deepEqual(e.symbols[1], { name: 'GONE', score: 3, options: [] });
  assert.equal(e.forced, false);
});

test('reached thresholds: points over, the smallest single symbol that would drop it below, the action then', () => {
  // 10 = BIG 7 + MID 3: add header (6) reached by 4 → MID (3) is not enough alone, BIG (7) is.
  const lines = whatIf(input(10, [['BIG', 7], ['MID', 3]], 'add header'));
  const addHeader = lines.find((l) => l.action === 'add header')!;
  assert.equal(addHeader.reached, true);
  assert.equal(addHeader.delta, 4);
  assert.deepEqual(addHeader.symbols, ['BIG']);
  assert.equal(addHeader.resultingAction, 'no action');
  assert.match(addHeader.text, /add header \(6\.00\) was reached with 4\.00 to spare; without BIG the score would have been 3\.00 \(no action\)/);
  const greylist = lines.find((l) => l.action === 'greylist')!;
  assert.deepEqual(greylist.symbols, ['BIG'], 'over by 6: MID (3) is not enough, BIG (7) is');
  const reject = lines.find((l) => l.action === 'reject')!;
  assert.equal(reject.reached, false);
  assert.equal(reject.delta, -5);
  assert.deepEqual(reject.symbols, [], 'no negative symbol held it back');
  assert.deepEqual(lines.map((l) => l.action), ['reject', 'add header', 'greylist'], 'harshest first, disabled ones left out');
});

test('when no single symbol is enough, the strongest ones together; exactly at the threshold counts as reached', () => {
  const lines = whatIf(input(6, [['A', 2], ['B', 2], ['C', 2]], 'add header'));
  const addHeader = lines.find((l) => l.action === 'add header')!;
  assert.equal(addHeader.delta, 0);
  assert.deepEqual(addHeader.symbols, ['A'], 'any removal drops a score sitting on the threshold below it');
  const greylist = lines.find((l) => l.action === 'greylist')!;
  assert.deepEqual(greylist.symbols, ['A', 'B'], 'over by 2: one symbol of 2 lands exactly on 4, still greylist; two are needed');
  assert.equal(greylist.resultingAction, 'no action');
});

test('thresholds not reached: points missing and the negative symbols that held the score back', () => {
  const lines = whatIf(input(4.5, [['BIG', 7], ['NEG', -3], ['NEG2', -0.5]], 'greylist'));
  const addHeader = lines.find((l) => l.action === 'add header')!;
  assert.equal(addHeader.reached, false);
  assert.equal(addHeader.delta, -1.5);
  assert.deepEqual(addHeader.symbols, ['NEG']);
  assert.equal(addHeader.resultingAction, 'add header');
  assert.match(addHeader.text, /1\.50 points away; without NEG the score would have been 7\.50 \(add header\)/);
  const reject = lines.find((l) => l.action === 'reject')!;
  assert.deepEqual(reject.symbols, [], 'even without every negative symbol it stays below 15');
});

test('a forced action is said first', () => {
  const e = explain({ ...input(0, [['GTUBE', 0]], 'reject'), forcedBy: 'gtube' }, lookup);
  assert.equal(e.forced, true);
  assert.equal(e.forcedBy, 'gtube');
  assert.match(e.whatIf[0].text, /forced by gtube; by score alone the message would have got no action/);
});

test('Bayes evidence is read back from the symbol options', () => {
  const b = bayesFromSymbols([{ name: 'BAYES_SPAM', score: 4.2, options: ['0.9731', 'viagra:+1.204', 'odd:token:-0.500', 'junk'] }]);
  assert.deepEqual(b, { symbol: 'BAYES_SPAM', probability: 0.9731, tokens: [{ token: 'viagra', weight: 1.204 }, { token: 'odd:token', weight: -0.5 }] });
  assert.equal(bayesFromSymbols([{ name: 'BAYES_INACTIVE', score: 0, options: ['learned 0 spam'] }]), null);
  assert.equal(bayesFromSymbols([{ name: 'BAYES_SPAM', score: 1, options: [] }]), null);
});
