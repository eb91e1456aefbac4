// Kills `winnow learn` mid-run (SIGKILL) and checks the crash guarantee: only whole learns are in the store, a second run learns exactly the rest, nothing is removed early.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { testMail } from '../classifier/test-mail.ts';

const MAIN = new URL('./main.ts', import.meta.url).pathname;
const MESSAGES_PER_CLASS = 400;
const BATCH = 7;
/** Learns committed before the kill; well below the total so the kill lands mid-run. */
const KILL_AFTER = 2 * BATCH;
const DEADLINE_MS = 60_000;

function maildir(root: string, kind: 'spam' | 'ham'): string {
  const dir = join(root, kind);
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(dir, sub), { recursive: true });
  for (let i = 0; i < MESSAGES_PER_CLASS; i++) writeFileSync(join(dir, 'cur', `${i}.${kind}.test:2,S`), testMail(kind, i, { bodyWords: 400 }));
  return dir;
}

/** nspam + nham, signatures, and whether the totals row exists yet (reads the SQLite file directly). */
function committed(path: string): { learned: number; signatures: number } {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path, { readOnly: true });
    const t = db.prepare("SELECT nspam + nham AS n FROM lr_ns WHERE ns = ''").get() as { n: number } | undefined;
    const s = db.prepare("SELECT count(*) AS n FROM lr_sigs WHERE ns = ''").get() as { n: number };
    return { learned: t?.n ?? 0, signatures: s.n };
  } catch {
    return { learned: 0, signatures: 0 };
  } finally {
    db?.close();
  }
}

test('a learn killed mid-run keeps whole learns only; the next run learns exactly the rest; nothing was removed', async () => {
  const root = mkdtempSync(join(tmpdir(), 'winnow-learn-crash-'));
  try {
    const spam = maildir(root, 'spam');
    const ham = maildir(root, 'ham');
    const config = join(root, 'winnow.yaml');
    writeFileSync(config, `data_dir: ${JSON.stringify(join(root, 'data'))}\n`);
    const db = join(root, 'data', 'winnow.sqlite');
    const args = [MAIN, 'learn', '-c', config, '--batch', String(BATCH), '--remove-after', '--spam', spam, '--ham', ham];

    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + DEADLINE_MS;
    while (committed(db).learned < KILL_AFTER) {
      assert.ok(Date.now() < deadline, 'learn made too little progress');
      await sleep(5);
    }
    child.kill('SIGKILL');
    assert.equal(await exited, null, 'killed before it finished');

    const after = committed(db);
    assert.ok(after.learned >= KILL_AFTER && after.learned < 2 * MESSAGES_PER_CLASS, `${after.learned} learned before the kill`);
    assert.equal(after.signatures, after.learned, 'every counted message has its signature, and no signature lacks its counts');
    const files = (dir: string) => readdirSync(join(dir, 'cur')).length;
    assert.deepEqual([files(spam), files(ham)], [MESSAGES_PER_CLASS, MESSAGES_PER_CLASS], 'nothing removed by the killed run');

    const rerun = spawnSync(process.execPath, args, { encoding: 'utf8' });
    assert.equal(rerun.status, 0, rerun.stderr);
    const tally = (kind: string) => {
      const m = new RegExp(`^${kind}\\s.*: (\\d+) learned, (\\d+) already`, 'm').exec(rerun.stdout);
      assert.ok(m, rerun.stdout);
      return { learned: Number(m[1]), already: Number(m[2]) };
    };
    const [s, h] = [tally('spam'), tally('ham')];
    assert.equal(s.already + h.already, after.learned, 'the learns that survived the kill are recognised');
    assert.equal(s.learned + s.already, MESSAGES_PER_CLASS);
    assert.equal(h.learned + h.already, MESSAGES_PER_CLASS);
    assert.deepEqual(committed(db), { learned: 2 * MESSAGES_PER_CLASS, signatures: 2 * MESSAGES_PER_CLASS });
    assert.deepEqual([files(spam), files(ham)], [0, 0], 'emptied once everything was committed');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
