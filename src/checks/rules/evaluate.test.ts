// Tests that atoms are evaluated lazily and at most once per message, and that evaluation state never leaks between messages.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage } from '../../mime/parse.ts';
import { DEFAULT_MIME_LIMITS } from '../../mime/model.ts';
import { compileRules, type RulePack } from './compile.ts';
import { matchingRules } from './evaluate.ts';

function countingPack(doc: unknown): { pack: RulePack; calls: Map<string, number> } {
  const pack = { ...compileRules([{ file: 't.yaml', doc }]), files: [], emptyGlobs: [] };
  const calls = new Map<string, number>();
  for (const a of pack.atoms) {
    if (!('re' in a.spec) || !a.spec.re) continue;
    const re = a.spec.re;
    const original = re.test.bind(re);
    calls.set(a.name, 0);
    re.test = (s: string) => {
      calls.set(a.name, calls.get(a.name)! + 1);
      return original(s);
    };
  }
  return { pack, calls };
}

const msg = (subject: string, body: string) =>
  parseMessage(new TextEncoder().encode(`From: a@example.com\r\nSubject: ${subject}\r\n\r\n${body}\r\n`), DEFAULT_MIME_LIMITS);

test('an atom shared by many rules runs once; a short-circuited atom never runs', async () => {
  const { pack, calls } = countingPack({
    atoms: {
      shared: { body: '/offer/' },
      never_true: { header: 'Subject', re: '/zzz/' },
      expensive: { body: '/never reached/' },
    },
    rules: {
      A: { expression: 'shared', weight: 1, description: 'd' },
      B: { expression: 'shared & !never_true', weight: 1, description: 'd' },
      C: { expression: 'never_true & expensive', weight: 1, description: 'd' },
      D: { expression: 'shared | expensive', weight: 1, description: 'd' },
      E: { expression: 'A & B', weight: 1, description: 'd' },
    },
  });
  assert.deepEqual(matchingRules(pack, await msg('hello', 'a special offer')), ['A', 'B', 'D', 'E']);
  assert.deepEqual(Object.fromEntries(calls), { shared: 1, never_true: 1, expensive: 0 });
  // A second message starts from a clean slate.
  assert.deepEqual(matchingRules(pack, await msg('zzz', 'nothing here')), []);
  assert.deepEqual(Object.fromEntries(calls), { shared: 2, never_true: 2, expensive: 1 });
});

test('a header atom tests every occurrence until one matches', async () => {
  const { pack } = countingPack({ rules: { R: { header: 'Received', re: '/from evil/', weight: 1, description: 'd' } } });
  const raw = 'Received: from good.example\r\nReceived: from evil.example\r\nSubject: s\r\n\r\nbody\r\n';
  assert.deepEqual(matchingRules(pack, await parseMessage(new TextEncoder().encode(raw), DEFAULT_MIME_LIMITS)), ['R']);
});
