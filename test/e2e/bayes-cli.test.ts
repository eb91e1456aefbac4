// The real `winnow bayes` command against a SQLite store: help, stats, dump → load round trip, bad dump lines, prune.

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBayesService } from '../../src/classifier/bayes-service.ts';
import { parseTestMail } from '../../src/classifier/test-mail.ts';
import { openStore } from '../../src/storage/open-store.ts';
import { REPO_ROOT } from '../support/daemon.ts';

const dir = mkdtempSync(join(tmpdir(), 'winnow-bayes-cli-'));
const dataDir = join(dir, 'data');
const configPath = join(dir, 'winnow.yaml');
writeFileSync(configPath, `data_dir: ${JSON.stringify(dataDir)}\n`);
const LEARNS = 3;

function winnow(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/winnow.js'), ...args], { encoding: 'utf8', input, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Row {
  model: string;
  namespace: string;
  nspam: number;
  nham: number;
  used: number;
  signatures: number;
}

function stats(extra: string[] = []): Row[] {
  const r = winnow(['bayes', 'stats', '-c', configPath, '--json', ...extra]);
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { rows: Row[] }).rows;
}

before(async () => {
  const store = await openStore({ backend: 'sqlite' }, { dataDir });
  try {
    for (const model of ['logistic', 'robinson-fisher'] as const) {
      const svc = createBayesService(store, { model });
      for (let i = 0; i < LEARNS; i++) {
        await svc.learn(await parseTestMail('spam', i), 'spam');
        await svc.learn(await parseTestMail('ham', i), 'ham');
      }
    }
  } finally {
    await store.close();
  }
});

test('every bayes subcommand answers --help', () => {
  for (const sub of [[], ['stats'], ['prune'], ['dump'], ['load']]) {
    const r = winnow(['bayes', ...sub, '--help']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Usage: winnow bayes/m);
  }
});

test('stats lists both models with their learned totals; the text form marks the configured model', () => {
  const rows = stats();
  for (const model of ['logistic', 'robinson-fisher']) {
    const r = rows.find((x) => x.model === model && x.namespace === '');
    assert.deepEqual(r && [r.nspam, r.nham, r.signatures], [LEARNS, LEARNS, 2 * LEARNS], model);
    assert.ok((r?.used ?? 0) > 10);
  }
  const text = winnow(['bayes', 'stats', '-c', configPath]);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^logistic\*\s+\(site-wide\)\s+3\s+3\s/m);
  assert.match(text.stdout, /^robinson-fisher\s+\(site-wide\)\s+3\s+3\s/m);
});

test('dump → load into another namespace reproduces the statistics, for both models', () => {
  for (const model of ['logistic', 'robinson-fisher']) {
    const dump = winnow(['bayes', 'dump', '-c', configPath, '--model', model]);
    assert.equal(dump.status, 0, dump.stderr);
    const lines = dump.stdout.trim().split('\n');
    assert.equal(JSON.parse(lines[0]).type, 'totals');
    const file = join(dir, `${model}.jsonl`);
    writeFileSync(file, dump.stdout);
    const load = winnow(['bayes', 'load', file, '-c', configPath, '--model', model, '--user', 'copy@example.net']);
    assert.equal(load.status, 0, load.stderr);
    assert.equal(load.stdout, `loaded ${lines.length} rows into ${model} copy@example.net\n`);
    const [site, copy] = ['', 'copy@example.net'].map((ns) => stats(['--model', model, '--user', ns]).find((r) => r.namespace === ns));
    assert.deepEqual({ ...copy, namespace: '' }, site);
  }
});

test('load refuses a row of the wrong model or shape and names the line (stdin)', () => {
  const bad = winnow(['bayes', 'load', '-', '-c', configPath, '--model', 'logistic', '--user', 'bad@example.net'], '{"type":"totals","nspam":1,"nham":1,"bias":0}\n{"type":"token","token":"x","spam":1,"ham":0,"lastSeenDay":1}\n');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /line 2: not a logistic dump row/);
  const notJson = winnow(['bayes', 'load', '-', '-c', configPath, '--model', 'robinson-fisher', '--user', 'bad@example.net'], 'nope\n');
  assert.match(notJson.stderr, /line 1: not JSON/);
});

test('prune reports what it removed per model', () => {
  // Nothing is stale yet: the learns happened today.
  const r = winnow(['bayes', 'prune', '-c', configPath, '--stale-days', '1']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'robinson-fisher: 0 tokens, 0 signatures removed\nlogistic: 0 weight buckets, 0 signatures removed\n');
});
