// End to end: the real daemon (SQLite store, two workers) trained by the real rspamc over the controller port, then scanning with BAYES_SPAM / BAYES_HAM; `winnow bayes` reads the same database.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testMail } from '../../src/classifier/test-mail.ts';
import { REPO_ROOT, startDaemon, type RunningDaemon } from '../support/daemon.ts';

const RSPAMC = '/usr/bin/rspamc';
const RSPAMC_TIMEOUT_MS = 15_000;
const MIN_LEARNS = 6;
/** Counters are flushed by each worker at most once a second. */
const COUNTER_WAIT_MS = 5_000;

let d: RunningDaemon;
let dir: string;

function host(url: string): string {
  return url.replace(/^http:\/\//, '');
}

function rspamc(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(RSPAMC, args, { timeout: RSPAMC_TIMEOUT_MS }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, out: stdout + stderr });
    });
  });
}

function file(name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

async function learn(kind: 'spam' | 'ham', n: number): Promise<{ code: number; out: string }> {
  return rspamc(['-h', host(d.controllerUrl), kind === 'spam' ? 'learn_spam' : 'learn_ham', file(`${kind}-${n}.eml`, testMail(kind, n))]);
}

async function symbols(kind: 'spam' | 'ham', n: number): Promise<string> {
  const r = await rspamc(['-h', host(d.httpUrl), 'symbols', file(`scan-${kind}-${n}.eml`, testMail(kind, n))]);
  assert.equal(r.code, 0, r.out);
  return r.out;
}

before(async () => {
  assert.ok(existsSync(RSPAMC), `${RSPAMC} is required (Debian package rspamd)`);
  dir = mkdtempSync(join(tmpdir(), 'winnow-bayes-e2e-'));
  d = await startDaemon({ config: `checks:\n  bayes:\n    min_learns: ${MIN_LEARNS}\n` });
});
after(async () => {
  await d?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('rspamc learn_spam / learn_ham train the classifier until BAYES_SPAM and BAYES_HAM show in scans', async () => {
  const inactive = await symbols('spam', 1000);
  assert.match(inactive, /Symbol: BAYES_INACTIVE \(0\.00\)\[learned 0 spam \/ 0 ham; needs 6 of each\]/, inactive);

  for (let i = 0; i < MIN_LEARNS; i++) {
    for (const kind of ['spam', 'ham'] as const) {
      const r = await learn(kind, i);
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /success = true/, r.out);
    }
  }

  const spam = await symbols('spam', 1000);
  // Options: the probability, then the strongest tokens with their pull (what the UI's explanation shows).
  assert.match(spam, /Symbol: BAYES_SPAM \(\d+\.\d+\)\[(0\.9\d{3}|1\.0000)(, [^\],]+:[+-]\d\.\d{3})+\]/, spam);
  const score = Number(/Symbol: BAYES_SPAM \((\d+\.\d+)\)/.exec(spam)?.[1]);
  assert.ok(score >= 2.5 && score <= 5, `BAYES_SPAM score ${score}`);
  const ham = await symbols('ham', 1000);
  assert.match(ham, /Symbol: BAYES_HAM \(-\d+\.\d+\)/, ham);
});

test('learning a message twice gets rspamd\'s 208 "already learned" reply', async () => {
  const r = await learn('spam', 0);
  assert.match(r.out, /<spam-0@mailer\.example\.com> has been already learned as spam, ignore it/, r.out);
});

test('/stat counts the learns and reports statfiles; `winnow bayes stats` reads the daemon\'s SQLite store', async () => {
  let stat: Record<string, any> = {};
  const deadline = Date.now() + COUNTER_WAIT_MS;
  do {
    stat = (await (await fetch(`${d.controllerUrl}/stat`)).json()) as Record<string, any>;
    if (stat.learned === 2 * MIN_LEARNS) break;
    await new Promise((r) => setTimeout(r, 250));
  } while (Date.now() < deadline);
  assert.equal(stat.learned, 2 * MIN_LEARNS);
  assert.deepEqual(
    stat.statfiles.map((f: Record<string, unknown>) => [f.symbol, f.revision, f.type]),
    [
      ['BAYES_SPAM', MIN_LEARNS, 'sqlite'],
      ['BAYES_HAM', MIN_LEARNS, 'sqlite'],
    ],
  );

  const cli = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/winnow.js'), 'bayes', 'stats', '-c', d.configPath, '--json'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(cli.status, 0, cli.stderr);
  const parsed = JSON.parse(cli.stdout) as { configured: string; rows: { model: string; namespace: string; nspam: number; nham: number; signatures: number }[] };
  assert.equal(parsed.configured, 'logistic');
  const lr = parsed.rows.find((r) => r.model === 'logistic' && r.namespace === '');
  assert.deepEqual(lr && [lr.nspam, lr.nham, lr.signatures], [MIN_LEARNS, MIN_LEARNS, 2 * MIN_LEARNS]);
});
