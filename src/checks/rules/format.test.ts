// Table-driven tests for rule-document validation and pack compilation errors: each names the file, the item and the value.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRules } from './compile.ts';
import { readRuleDocument, RuleFileError } from './format.ts';

test('reads atoms of every target, selectors and inline-atom rules', () => {
  const d = readRuleDocument('t.yaml', {
    group: 'test',
    atoms: {
      a: { header: 'Subject', re: '/x/i' },
      b: { header: 'From:addr', re: '/@x\\./' },
      c: { header: 'Reply-To', exists: true },
      d: { header: 'Subject', raw: true, re: '/=\\?/' },
      e: { body: '/click/' },
      f: { rawbody: '/^[A-Z]+$/m' },
      g: { mimeheader: 'Content-Type', re: '/zip/' },
      h: { url: '/^http:/' },
      i: { html: '/<img/i' },
      j: { header: 'To:name', re: '/friend/i' },
      k: { header: 'X-Mailer:raw', re: '/x/' },
    },
    rules: {
      R1: { expression: 'a & !c', weight: 2, description: 'one' },
      R2: { body: '/viagra/i', weight: 1.5, description: 'inline', group: 'pharma' },
    },
  });
  assert.deepEqual(
    [...d.atoms].map(([n, s]) => [n, s.target, 'select' in s ? s.select : undefined]),
    [
      ['a', 'header', 'value'],
      ['b', 'header', 'addr'],
      ['c', 'header', 'value'],
      ['d', 'header', 'raw'],
      ['e', 'body', undefined],
      ['f', 'rawbody', undefined],
      ['g', 'mimeheader', undefined],
      ['h', 'url', undefined],
      ['i', 'html', undefined],
      ['j', 'header', 'name'],
      ['k', 'header', 'raw'],
    ],
  );
  assert.deepEqual(
    d.rules.map((r) => [r.symbol, r.expression, r.inline?.target, r.weight, r.group]),
    [
      ['R1', 'a & !c', undefined, 2, 'test'],
      ['R2', undefined, 'body', 1.5, 'pharma'],
    ],
  );
});

test('document errors name file, item and value', () => {
  const cases: [unknown, RegExp][] = [
    [[1], /^f\.yaml: top level: expected a mapping/],
    [{ extra: 1 }, /^f\.yaml: top level: unknown key extra/],
    [{ atoms: { Bad: { body: '/x/' } } }, /^f\.yaml: atom Bad: atom names are lower_snake_case \(got "Bad"\)/],
    [{ atoms: { a: { body: '/x/', url: '/y/' } } }, /^f\.yaml: atom a: needs exactly one of .* \(got \["body","url"\]\)/],
    [{ atoms: { a: { body: 'x' } } }, /^f\.yaml: atom a: body: regex x must be written \/pattern\/flags/],
    [{ atoms: { a: { body: '/x(/' } } }, /^f\.yaml: atom a: body: regex \/x\(\/ is invalid/],
    [{ atoms: { a: { body: '/x/g' } } }, /^f\.yaml: atom a: body: regex \/x\/g has unsupported flag 'g'/],
    [{ atoms: { a: { body: '/(\\w+\\s*)+$/' } } }, /^f\.yaml: atom a: body: .*nests unbounded quantifiers/],
    [{ atoms: { a: { header: 'Subject' } } }, /^f\.yaml: atom a: a header atom needs re or exists/],
    [{ atoms: { a: { header: 'Subject', re: '/x/', exists: true } } }, /either exists or re/],
    [{ atoms: { a: { header: 'X-Foo:addr', re: '/x/' } } }, /^f\.yaml: atom a: :addr works on from, to, cc, reply-to, sender only \(got "X-Foo:addr"\)/],
    [{ atoms: { a: { header: 'From:bogus', re: '/x/' } } }, /unknown header selector.* \(got "From:bogus"\)/],
    [{ atoms: { a: { header: 'Bad Name', re: '/x/' } } }, /header must be Name or Name:selector \(got "Bad Name"\)/],
    [{ atoms: { a: { body: '/x/', re: '/y/' } } }, /re does not apply to body atoms/],
    [{ atoms: { a: { mimeheader: 'Content-Type:raw', re: '/y/' } } }, /mimeheader takes no selector/],
    [{ atoms: { a: { body: '/x/', colour: 'red' } } }, /^f\.yaml: atom a: unknown key colour/],
    [{ rules: { lower: { body: '/x/', weight: 1, description: 'd' } } }, /^f\.yaml: rule lower: rule names are UPPER_SNAKE_CASE/],
    [{ rules: { R: { body: '/x/', description: 'd' } } }, /^f\.yaml: rule R: weight must be a number/],
    [{ rules: { R: { body: '/x/', weight: '2', description: 'd' } } }, /^f\.yaml: rule R: weight must be a number \(got "2"\)/],
    [{ rules: { R: { body: '/x/', weight: 1 } } }, /^f\.yaml: rule R: description must be a non-empty string/],
    [{ rules: { R: { weight: 1, description: 'd' } } }, /^f\.yaml: rule R: needs an expression or an inline atom/],
    [{ rules: { R: { expression: 'a', body: '/x/', weight: 1, description: 'd' } } }, /either an expression or an inline atom/],
    [{ rules: { R: { body: '/x/', weight: 1, description: 'd', scroe: 1 } } }, /^f\.yaml: rule R: unknown key scroe/],
  ];
  for (const [doc, msg] of cases) {
    assert.throws(() => readRuleDocument('f.yaml', doc), (e: unknown) => e instanceof RuleFileError && msg.test(e.message), `${JSON.stringify(doc)}`);
  }
});

test('compile errors: bad expressions, unknown atoms, duplicates, cycles', () => {
  const ok = { atoms: { a: { body: '/a/' } }, rules: { R: { expression: 'a', weight: 1, description: 'd' } } };
  const cases: [{ file: string; doc: unknown }[], RegExp][] = [
    [[{ file: 'x.yaml', doc: { atoms: { a: { body: '/a/' } }, rules: { R: { expression: 'a & (b', weight: 1, description: 'd' } } } }], /^x\.yaml: rule R: missing '\)' at position \d+ in "a & \(b"/],
    [[{ file: 'x.yaml', doc: { atoms: { a: { body: '/a/' } }, rules: { R: { expression: 'a & nope', weight: 1, description: 'd' } } } }], /^x\.yaml: rule R: unknown atom or rule 'nope' in "a & nope"/],
    [[{ file: 'x.yaml', doc: { rules: { R: { expression: 'a $ b', weight: 1, description: 'd' } } } }], /^x\.yaml: rule R: unexpected character '\$'/],
    [[{ file: 'one.yaml', doc: ok }, { file: 'two.yaml', doc: { rules: { R: { body: '/x/', weight: 1, description: 'd' } } } }], /^two\.yaml: rule R: already defined in one\.yaml/],
    [[{ file: 'one.yaml', doc: ok }, { file: 'two.yaml', doc: { atoms: { a: { url: '/x/' } } } }], /^two\.yaml: atom a: already defined in one\.yaml/],
    [
      [{ file: 'c.yaml', doc: { rules: { A: { expression: 'B', weight: 1, description: 'd' }, B: { expression: 'C', weight: 1, description: 'd' }, C: { expression: 'A', weight: 1, description: 'd' } } } }],
      /^c\.yaml: rule A: rules reference each other in a cycle: A -> B -> C -> A/,
    ],
  ];
  for (const [sources, msg] of cases) {
    assert.throws(() => compileRules(sources), (e: unknown) => e instanceof RuleFileError && msg.test(e.message), msg.source);
  }
});
