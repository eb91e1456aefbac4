// Tests for editing the config file: threshold order, comments kept, whole-file validation, nothing written on refusal, concurrent edits.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinChecks } from '../checks/index.ts';
import { ConfigEditError, createConfigEditor, thresholdProblems } from './config-edit.ts';
import { loadConfigFile } from './load.ts';

const dir = mkdtempSync(join(tmpdir(), 'winnow-config-edit-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function file(text: string): string {
  const p = join(dir, `c${n++}.yaml`);
  writeFileSync(p, text);
  chmodSync(p, 0o640);
  return p;
}

const ORIGINAL = `# winnow test config
actions:
  reject: 15    # refuse outright
  add_header: 6
  greylist: 4

symbols:
  # tuned by hand
  BAYES_SPAM: { weight: 4 }
`;

const rows: { name: string; values: Parameters<typeof thresholdProblems>[0]; fields: string[] }[] = [
  { name: 'defaults', values: { greylist: 4, add_header: 6, rewrite_subject: null, soft_reject: null, reject: 15 }, fields: [] },
  { name: 'equal neighbours', values: { greylist: 6, add_header: 6, rewrite_subject: null, soft_reject: null, reject: 6 }, fields: [] },
  { name: 'negative but in order', values: { greylist: -5, add_header: -1, rewrite_subject: null, soft_reject: null, reject: 0 }, fields: [] },
  { name: 'add header below greylist', values: { greylist: 6, add_header: 5, rewrite_subject: null, soft_reject: null, reject: 15 }, fields: ['add_header'] },
  { name: 'reject below a skipped-over add header', values: { greylist: null, add_header: 6, rewrite_subject: null, soft_reject: null, reject: 2 }, fields: ['reject'] },
  { name: 'two out of order', values: { greylist: 10, add_header: 5, rewrite_subject: 4, soft_reject: null, reject: 15 }, fields: ['add_header', 'rewrite_subject'] },
  { name: 'not finite', values: { greylist: Number.NaN, add_header: 6, rewrite_subject: null, soft_reject: null, reject: 15 }, fields: ['greylist'] },
];
for (const r of rows) {
  test(`thresholdProblems: ${r.name}`, () => {
    assert.deepEqual(thresholdProblems(r.values).map((p) => p.field), r.fields);
  });
}

test('setActions writes the new values, keeps comments and the file mode, and the result loads', async () => {
  const p = file(ORIGINAL);
  await createConfigEditor(p, builtinChecks).setActions({ reject: 12, add_header: 5.5, greylist: null });
  const text = readFileSync(p, 'utf8');
  assert.match(text, /^# winnow test config$/m);
  assert.match(text, /reject: 12 +# refuse outright/);
  assert.match(text, /# tuned by hand/);
  assert.equal(statSync(p).mode & 0o777, 0o640);
  const loaded = loadConfigFile(p, builtinChecks);
  assert.deepEqual(loaded.file.actions, { reject: 12, soft_reject: null, rewrite_subject: null, add_header: 5.5, greylist: null });
});

test('thresholds out of order are refused with fields and nothing is written', async () => {
  const p = file(ORIGINAL);
  const err = await createConfigEditor(p, builtinChecks).setActions({ add_header: 3 }).catch((e: unknown) => e);
  assert.ok(err instanceof ConfigEditError);
  assert.deepEqual(err.fields.map((f) => f.field), ['add_header']);
  assert.match(err.fields[0].message, /below greylist \(4\)/);
  assert.equal(readFileSync(p, 'utf8'), ORIGINAL);
});

test('setWeights adds or changes symbols.<NAME>.weight; a value the schema refuses writes nothing', async () => {
  const p = file(ORIGINAL);
  const editor = createConfigEditor(p, builtinChecks);
  await editor.setWeights({ BAYES_SPAM: 6.5, BAYES_HAM: -4 });
  const loaded = loadConfigFile(p, builtinChecks);
  assert.deepEqual(loaded.file.symbols.BAYES_SPAM, { weight: 6.5 });
  assert.deepEqual(loaded.file.symbols.BAYES_HAM, { weight: -4 });
  const before = readFileSync(p, 'utf8');
  const err = await editor.setWeights({ lower_case: 1 }).catch((e: unknown) => e);
  assert.ok(err instanceof ConfigEditError);
  assert.equal(err.fields[0].field, 'lower_case');
  assert.equal(readFileSync(p, 'utf8'), before);
});

test('a file with a YAML error is not touched', async () => {
  const broken = 'actions: { reject: 15\n';
  const p = file(broken);
  await assert.rejects(createConfigEditor(p, builtinChecks).setActions({ reject: 10 }), (e: unknown) => e instanceof ConfigEditError && e.code === 'ERR_CONFIG_UNREADABLE');
  assert.equal(readFileSync(p, 'utf8'), broken);
});

test('concurrent edits from several editors are serialised: none is lost, no temp or lock file is left', async () => {
  const p = file(ORIGINAL);
  const names = ['BAYES_SPAM', 'BAYES_HAM', 'BAYES_UNSURE', 'BAYES_INACTIVE'];
  await Promise.all(names.map((name, i) => createConfigEditor(p, builtinChecks).setWeights({ [name]: i + 1 })));
  const loaded = loadConfigFile(p, builtinChecks);
  names.forEach((name, i) => assert.deepEqual(loaded.file.symbols[name], { weight: i + 1 }, name));
  assert.equal(existsSync(`${p}.lock`), false);
  assert.deepEqual(
    (await import('node:fs')).readdirSync(dir).filter((f) => f.includes('.tmp-')),
    [],
  );
});
