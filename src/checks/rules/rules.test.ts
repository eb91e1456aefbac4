// Tests of the rules check through the real scan pipeline: each atom target, expressions, files and globs, caps, errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanWith, testEngine } from '../../core/testing.ts';
import { MAX_BODY_CHARS, MAX_HEADER_VALUE_CHARS } from './evaluate.ts';
import { rulesCheck } from './rules.ts';

// Hand-written fixture: multipart/mixed with text, HTML (an IP-literal link) and a zip attachment.
const MESSAGE = [
  'From: "Best Pharmacy" <deals@shop.example>',
  'To: "Dear Friend" <you@example.net>',
  'Reply-To: other@elsewhere.example',
  'Subject: =?UTF-8?B?Q2hlYXAgdmlhZ3JhIG5vdw==?=',
  'X-Mailer: BulkSender 5',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Please cl=69ck here to order.',
  '--b1',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<html><body><p>Visit <a href="http://192.0.2.7/buy">our store</a></p><img src="cid:x"></body></html>',
  '--b1',
  'Content-Type: application/zip; name="invoice.zip"',
  'Content-Disposition: attachment; filename="invoice.zip"',
  'Content-Transfer-Encoding: base64',
  '',
  'UEsDBAoAAAAAAAAAIQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  '--b1--',
  '',
].join('\r\n');

async function hits(raw: string, atoms: Record<string, unknown>, rules: Record<string, unknown>): Promise<string[]> {
  const result = await scanWith([rulesCheck], raw, {}, { checks: { rules: { files: [], atoms, rules } } });
  return Object.keys(result.symbols).sort();
}

const rule = (expression: string) => ({ expression, weight: 1, description: expression });

test('atoms over every target, true and false', async () => {
  const cases: [string, Record<string, unknown>, boolean][] = [
    ['decoded header', { header: 'Subject', re: '/cheap viagra/i' }, true],
    ['raw header keeps the encoded word', { header: 'Subject', raw: true, re: '/^=\\?UTF-8\\?B\\?/' }, true],
    ['raw selector', { header: 'Subject:raw', re: '/viagra/i' }, false],
    ['decoded header, no match', { header: 'Subject', re: '/cialis/i' }, false],
    ['address selector', { header: 'From:addr', re: '/^deals@shop\\.example$/' }, true],
    ['name selector', { header: 'From:name', re: '/^Best Pharmacy$/' }, true],
    ['name selector on To', { header: 'To:name', re: '/dear friend/i' }, true],
    ['header exists', { header: 'Reply-To', exists: true }, true],
    ['header absent', { header: 'List-Unsubscribe', exists: false }, true],
    ['header name is case-insensitive', { header: 'x-mailer', re: '/^BulkSender/' }, true],
    ['body sees decoded text', { body: '/click here/i' }, true],
    ['body sees HTML as text', { body: '/visit our store/i' }, true],
    ['body does not see tags', { body: '/<a href/i' }, false],
    ['rawbody sees transfer encoding', { rawbody: '/cl=69ck/' }, true],
    ['rawbody multiline', { rawbody: '/^UEsDB/m' }, true],
    ['html sees tags', { html: '/<img\\b/i' }, true],
    ['mimeheader', { mimeheader: 'Content-Type', re: '/name="[^"]+\\.zip"/i' }, true],
    ['mimeheader, no match', { mimeheader: 'Content-Type', re: '/\\.exe"/i' }, false],
    ['url', { url: '/^https?:\\/\\/\\d+\\.\\d+\\.\\d+\\.\\d+\\//' }, true],
    ['url, no match', { url: '/bit\\.ly/' }, false],
  ];
  for (const [name, atom, want] of cases) {
    assert.deepEqual(await hits(MESSAGE, { a: atom }, { R: rule('a') }), want ? ['R'] : [], name);
  }
});

test('expressions: and, or, not, grouping, rules referencing rules', async () => {
  const atoms = {
    subj: { header: 'Subject', re: '/viagra/i' },
    click: { body: '/click here/i' },
    nope: { body: '/no such text/' },
    replyto: { header: 'Reply-To', exists: true },
  };
  const rules = {
    AND_TRUE: rule('subj & click'),
    AND_FALSE: rule('subj && nope'),
    OR_TRUE: rule('nope | click'),
    NOT_TRUE: rule('!nope'),
    GROUPED: rule('!(nope | !subj) & (replyto || nope)'),
    META: rule('AND_TRUE & !AND_FALSE'),
    INLINE: { url: '/192\\.0\\.2\\.7/', weight: 2, description: 'inline atom' },
    META_INLINE: rule('INLINE & META'),
  };
  assert.deepEqual(await hits(MESSAGE, atoms, rules), ['AND_TRUE', 'GROUPED', 'INLINE', 'META', 'META_INLINE', 'NOT_TRUE', 'OR_TRUE']);
});

test('weights, descriptions and groups come from the rules', async () => {
  const result = await scanWith([rulesCheck], MESSAGE, {}, {
    checks: { rules: { files: [], rules: { PHARMA_SUBJ: { header: 'Subject', re: '/viagra/i', weight: 3.5, description: 'Drug name in subject', group: 'pharma' } } } },
  });
  assert.equal(result.symbols.PHARMA_SUBJ.score, 3.5);
  assert.equal(result.symbols.PHARMA_SUBJ.description, 'Drug name in subject');
  assert.equal(result.symbols.PHARMA_SUBJ.group, 'pharma');
});

test('targets are capped before regexes see them', async () => {
  const tail = 'NEEDLE';
  const body = `${'a'.repeat(MAX_BODY_CHARS)}${tail}`;
  const msg = (b: string) => `From: a@example.com\r\nSubject: s\r\n\r\n${b}\r\n`;
  assert.deepEqual(await hits(msg(body), { a: { body: '/NEEDLE/' } }, { R: rule('a') }), []);
  assert.deepEqual(await hits(msg(body.slice(tail.length + 10)), { a: { body: '/NEEDLE/' } }, { R: rule('a') }), ['R']);
  const longSubject = `From: a@example.com\r\nSubject: ${'x'.repeat(MAX_HEADER_VALUE_CHARS)}NEEDLE\r\n\r\nbody\r\n`;
  assert.deepEqual(await hits(longSubject, { a: { header: 'Subject', re: '/NEEDLE/' } }, { R: rule('a') }), []);
});

test('files and globs resolve against the config dir; inline rules come last', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'winnow-rules-'));
  try {
    await mkdir(join(dir, 'rules.d'));
    await writeFile(join(dir, 'base.yaml'), "atoms:\n  subj: { header: Subject, re: '/viagra/i' }\n");
    await writeFile(join(dir, 'rules.d', 'a.yaml'), "group: mine\nrules:\n  FROM_FILE: { expression: subj, weight: 1, description: d }\n");
    await writeFile(join(dir, 'rules.d', 'b.yaml'), "rules:\n  FROM_GLOB: { body: '/click/i', weight: 1, description: d }\n");
    const result = await scanWith([rulesCheck], MESSAGE, {}, {
      configDir: dir,
      checks: { rules: { files: ['base.yaml', 'rules.d/*.yaml', 'empty.d/*.yaml'], rules: { INLINE_USES_FILE_ATOM: rule('subj') } } },
    });
    assert.deepEqual(Object.keys(result.symbols).sort(), ['FROM_FILE', 'FROM_GLOB', 'INLINE_USES_FILE_ATOM']);
    assert.equal(result.symbols.FROM_FILE.group, 'mine');
    assert.equal(result.symbols.FROM_GLOB.group, 'rules');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('startup errors name the file, the rule and the value', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'winnow-rules-'));
  try {
    await writeFile(join(dir, 'bad-re.yaml'), "rules:\n  BAD_RE: { body: '/(unclosed/', weight: 1, description: d }\n");
    await writeFile(join(dir, 'dup.yaml'), "rules:\n  DUP: { body: '/a/', weight: 1, description: d }\n  DUP: { body: '/b/', weight: 1, description: d }\n");
    await writeFile(join(dir, 'unknown.yaml'), "rules:\n  USES_UNKNOWN: { expression: 'ghost & !other', weight: 1, description: d }\n");
    await writeFile(join(dir, 'ok.yaml'), "rules:\n  DUP_ACROSS: { body: '/a/', weight: 1, description: d }\n");
    const engine = (cfg: unknown) => testEngine([rulesCheck], { configDir: dir, checks: { rules: cfg } });
    const cases: [unknown, RegExp][] = [
      [{ files: ['bad-re.yaml'] }, /bad-re\.yaml: rule BAD_RE: body: regex \/\(unclosed\/ is invalid/],
      [{ files: ['dup.yaml'] }, /dup\.yaml:3: Map keys must be unique near "DUP: /],
      [{ files: ['unknown.yaml'] }, /unknown\.yaml: rule USES_UNKNOWN: unknown atom or rule 'ghost' in "ghost & !other"/],
      [{ files: ['missing.yaml'] }, /rule file missing\.yaml: ENOENT/],
      [{ files: ['ok.yaml'], rules: { DUP_ACROSS: rule('x') } }, /checks\.rules: rule DUP_ACROSS: already defined in .*ok\.yaml/],
      [{ files: [], rules: { R: { expression: 'a', weight: 'heavy', description: 'd' } } }, /checks\.rules: rule R: weight must be a number \(got "heavy"\)/],
    ];
    for (const [cfg, msg] of cases) await assert.rejects(engine(cfg), msg, JSON.stringify(cfg));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the default pack loads and scores a spammy message', async () => {
  const engine = await testEngine([rulesCheck], { checks: { rules: {} } });
  try {
    const own = engine.symbols.ownedBy('rules');
    assert.ok(own.length >= 40, `default pack has ${own.length} rules`);
    for (const s of own) assert.ok(s.description.length > 0, s.name);
  } finally {
    await engine.close();
  }
  const result = await scanWith([rulesCheck], MESSAGE, {}, { checks: { rules: {} } });
  assert.ok(result.score > 0, `score ${result.score}, symbols ${Object.keys(result.symbols).join(',')}`);
});
