// Table-driven tests of the boolean expression parser and evaluator shared by composites and rules.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { atomsOf, evaluateBoolExpr, parseBoolExpr } from './bool-expr.ts';

test('evaluates expressions with precedence ! > & > |', () => {
  const truth = new Set(['A', 'B', 'g:headers']);
  const cases: [string, boolean][] = [
    ['A', true],
    ['C', false],
    ['!C', true],
    ['A & B', true],
    ['A && C', false],
    ['C | A', true],
    ['C || D', false],
    ['A & C | B', true],
    ['A & (C | D)', false],
    ['!(A & B)', false],
    ['!!A', true],
    ['g:headers & !C', true],
    ['A & B & !C & (D | g:headers)', true],
  ];
  for (const [src, want] of cases) assert.equal(evaluateBoolExpr(parseBoolExpr(src), (n) => truth.has(n)), want, src);
});

test('reports syntax errors with a position', () => {
  const cases: [string, RegExp][] = [
    ['', /empty expression/],
    ['A &', /unexpected end/],
    ['(A | B', /missing '\)'/],
    ['A B', /unexpected 'B' at position 2/],
    ['A $ B', /unexpected character '\$' at position 2/],
    ['& A', /unexpected '&' at position 0/],
  ];
  for (const [src, re] of cases) assert.throws(() => parseBoolExpr(src), re, src);
});

test('refuses absurd nesting instead of overflowing the stack', () => {
  assert.throws(() => parseBoolExpr('('.repeat(500) + 'A' + ')'.repeat(500)), /nested too deeply/);
});

test('lists atoms once each in order', () => {
  assert.deepEqual(atomsOf(parseBoolExpr('B & (A | !B) & ~C')), ['B', 'A', '~C']);
});
